from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager

# --- calendar feeds (opendata/feed_*.py) ----------------------------------------------------------------------------


class CalendarFeed(models.Model):
    """A person's private calendar feed of the calls that match the interest profile of the company they act for.

    Only a hash of the feed's secret is kept (the address is shown once, when it is made); revoking sets
    `revoked_at` and the address answers 404 from then on. At most one live feed per person and organisation:
    replacing one revokes it and makes another (opendata/feed_services.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    organisation = models.ForeignKey(
        "portal.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    token_hash = models.CharField(_("hash of the secret"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(revoked_at__isnull=True),
                name="calendar_feed_one_live_per_person_and_organisation",
            )
        ]

    def __str__(self):
        return f"#{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


# --- end of calendar feeds --------------------------------------------------------------------------------------------
