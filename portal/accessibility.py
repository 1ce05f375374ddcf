"""The accessibility statement's facts (tillgänglighetsredogörelse, lagen (2018:1937) om tillgänglighet till
digital offentlig service, following Digg's model statement): the known defects, when each will be fixed, how
the portal was assessed, and how to report a problem.

KNOWN_DEFECTS is the list of what is known to fail WCAG 2.1 AA (EN 301 549) and not fixed yet. Remove an entry
in the change that fixes it; when the list is empty (and no content gap is open) the statement says the portal
is fully compliant. Content that an app knows to fall short (a webinar recording without captions) comes from
the apps through `registry.add_accessibility_facts` as `ContentGap`s; the core names no app.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The supervisory authority and its form for reporting shortcomings in digital public service.
SUPERVISOR_NAME = _("the Agency for Digital Government (Digg)")
SUPERVISOR_REPORT_URL = "https://www.digg.se/tdosanmalan"
# When this statement was last reviewed and the portal last assessed (ACCESSIBILITY_STATEMENT_DATE overrides).
STATEMENT_DATE = datetime.date(2026, 12, 2)
ASSESSMENT_DATE = datetime.date(2026, 12, 2)
# Prerecorded time-based media published before this date are outside the law's requirements.
MEDIA_EXEMPT_BEFORE = datetime.date(2020, 9, 23)
# A recording published without captions gets them within this many days.
CAPTION_WITHIN_DAYS = 30


@dataclass(frozen=True)
class KnownDefect:
    """One known failure of a WCAG 2.1 success criterion, what it affects and when it will be fixed."""

    criteria: tuple[str, ...]
    description: Promise | str
    affects: Promise | str
    fix_by: datetime.date


@dataclass(frozen=True)
class ContentGap:
    """A piece of content that falls short (e.g. a recording without captions); `exempt` when the law does not
    cover it (published before MEDIA_EXEMPT_BEFORE)."""

    title: str
    url: str
    published: datetime.date
    exempt: bool

    @property
    def fix_by(self) -> datetime.date:
        return self.published + datetime.timedelta(days=CAPTION_WITHIN_DAYS)


# What is known to fail and not fixed yet.
# (Empty: the last one, 3.1.2 for applications, meetings and public records, was fixed on 2 December 2026.)
KNOWN_DEFECTS: tuple[KnownDefect, ...] = ()


def statement_date() -> datetime.date:
    value = getattr(settings, "ACCESSIBILITY_STATEMENT_DATE", "")
    if value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    return STATEMENT_DATE


def contact_email() -> str:
    """The address for accessibility problems, if a real one is set (ACCESSIBILITY_CONTACT_EMAIL or AGENCY_EMAIL)."""
    email = (getattr(settings, "ACCESSIBILITY_CONTACT_EMAIL", "") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def contact_url() -> str:
    url = (getattr(settings, "ACCESSIBILITY_CONTACT_URL", "") or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        return ""
    return url


def statement_context(facts: dict) -> dict:
    """Everything templates/portal/accessibility.html shows; `facts` are the apps' (registry) content gaps."""
    recordings = list(facts.get("uncaptioned_recordings", []))
    open_recordings = [gap for gap in recordings if not gap.exempt]
    return {
        "known_defects": KNOWN_DEFECTS,
        "open_recordings": open_recordings,
        "exempt_recordings": [gap for gap in recordings if gap.exempt],
        "fully_compliant": not KNOWN_DEFECTS and not open_recordings,
        "contact_email": contact_email(),
        "contact_url": contact_url(),
        "agency_name": settings.AGENCY_NAME,
        "supervisor_name": SUPERVISOR_NAME,
        "supervisor_report_url": SUPERVISOR_REPORT_URL,
        "statement_date": statement_date(),
        "assessment_date": ASSESSMENT_DATE,
        "media_exempt_before": MEDIA_EXEMPT_BEFORE,
    }
