"""What the open-data app stores: the OCDS releases it has published (docs/projects.md, "Open data: OCDS"), where
the periodic OCDS sync stopped, and people's private calendar feeds (docs/opendata.md).

Models stay thin: `opendata.ocds_services` and `opendata.feed_services` write them, `opendata.ocds_selectors` and
`opendata.feed_selectors` read them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.cache import CachedPageManager


class Release(models.Model):
    """One OCDS release of a published need, exactly as it was published.

    A release never changes after it is written: when the public facts of a need change, the next sync stores a
    new release (tag `planningUpdate`) beside the earlier ones, and the record of the need is compiled from all
    of them. `json` is the text served, byte for byte; `digest` identifies its content without `id`, `date` and
    `tag`, so that the sync can tell whether anything changed.
    """

    need = models.ForeignKey(
        "projects.Need", on_delete=models.CASCADE, related_name="ocds_releases", verbose_name=_("need")
    )
    ocid = models.CharField(_("OCID"), max_length=100)
    sequence = models.PositiveIntegerField(_("number"))
    release_id = models.CharField(_("release id"), max_length=120)
    date = models.DateTimeField(_("date"))
    tag = models.CharField(_("tag"), max_length=30)
    digest = models.CharField(max_length=64)
    json = models.TextField()

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "sequence"], name="ocds_release_sequence_unique")]
        indexes = [models.Index(fields=["date", "id"], name="ocds_release_date")]

    def __str__(self):
        return self.release_id


class SyncState(models.Model):
    """Where the periodic OCDS sync stopped reading (one row per sync, `name`), so that the next run reads only what
    was written since (`opendata.ocds_services.sync_changed_releases`).

    `horizon` is the oldest PostgreSQL transaction that may not have been seen at the start of that run (every
    row written by a transaction at or after it may be new), `at` the database time of that start (the clock
    passed every call opening or closing up to it) and `token` the page-cache generation of the rows a release
    shows, read before that start (an unchanged token: no row of them was written since).
    """

    name = models.CharField(max_length=30, unique=True)
    horizon = models.BigIntegerField()
    at = models.DateTimeField()
    token = models.CharField(max_length=64, blank=True)

    objects = CachedPageManager()

    class Meta:
        verbose_name = _("OCDS sync state")
        verbose_name_plural = _("OCDS sync states")

    def __str__(self):
        return self.name

    def page_families(self) -> frozenset[str]:
        """Shown on no page; written beside new releases, it joins their family (not every page, as a row of no
        family would: that would also change the generation the sync compares, portal/cache.py)."""
        return frozenset({"ocds"})


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
