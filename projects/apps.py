from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Needs and market dialogue")

    def ready(self):
        from portal import audit, registry

        registry.add_urls("", "projects.urls")
        registry.add_urls("", "projects.decision_support.urls")
        registry.add_urls("", "projects.records.urls")
        registry.add_time_boundary("projects.selectors.next_public_change")
        registry.add_time_boundary("projects.meetings.selectors.next_public_change")
        registry.add_demo_seeder("projects.demo.seed")
        # Needs, calls and what the public pages show of them (amendments, answered questions, meeting slots,
        # CPV codes); a company's response and what belongs to it are private and change often.
        registry.add_page_family("needs", "projects")
        registry.add_page_family(
            "responses",
            "projects.response",
            "projects.responseversion",
            "projects.questionanswer",
            "projects.secrecymarking",
            "projects.recordrelease",
        )
        registry.add_page_family(
            "subscriptions",
            "projects.interestprofile",
            "projects.interestprofile_cpv_codes",
            "projects.callalert",
            "projects.callfollow",
            "projects.callnoticeoptout",
        )

        from .meetings.models import MeetingBooking, Party
        from .models import Call, CallAlert, Conclusion, Need, Procedure, Question, Response

        audit.register_personal(CallAlert)
        # A question's words may name the company or person who asked: its audit rows keep only its id.
        audit.register_personal(Question)
        audit.register_labels("need", Need.Stage)
        audit.register_labels("need", Conclusion, keys=["conclusion"])
        audit.register_labels("need", Procedure, keys=["procedure"])
        audit.register_labels("call", Call.State)  # every state, "scheduled" included
        audit.register_labels("response", Response.Status)
        audit.register_labels("question", Question.Status)
        audit.register_labels("meeting", MeetingBooking.Outcome, keys=["outcome"])
        audit.register_labels("meeting", Party, keys=["by"])
