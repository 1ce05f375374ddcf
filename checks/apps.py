from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = _("Innovation checks")

    def ready(self):
        self.register_audit()
        self.register_with_portal()

    def register_with_portal(self):
        from portal import registry

        registry.add_urls("checks/", "checks.urls")
        registry.add_demo_seeder("checks.demo.seed")
        # The published grant calls are public; applications and everything of their handling are not.
        registry.add_page_family("applications", "checks")
        registry.add_page_family("grantcalls", "checks.grantcall", "checks.track", "checks.criterion")

    def register_audit(self):
        from portal import audit

        from .models import Application, ConflictOfInterest, ExpertiseLine, Review, Track

        audit.register_personal(ConflictOfInterest, ExpertiseLine, Review)
        audit.register_labels("application", Application.State)
        audit.register_labels("application", Review.Recommendation, keys=["recommendation"])
        audit.register_labels("decision", Application.State)
        audit.register_labels("grantcall", Track.CapField, keys=["field"])
