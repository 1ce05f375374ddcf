"""Writes of the response history: kept versions, receipts, and what a submission requires.

Called by `projects.services` inside the transaction of the change, after the response row is locked.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.clock import database_now
from portal.mail import send_mail_to
from portal.services import ServiceError

from .content import checksum_of, response_content
from .models import ResponseVersion


def require_complete(response) -> None:
    """Refuse to submit a response without its summary or TRL (a draft may lack them), next to the field."""
    if not (response.summary or "").strip():
        raise ServiceError(_("Write a summary of your solution before you submit the response."), field="summary")
    if response.trl is None:
        raise ServiceError(_("Choose the TRL of your solution before you submit the response."), field="trl")


def record_version(*, response, by, submission: bool, at=None) -> ResponseVersion | None:
    """Keep what a submitted response contains now as its next version and send the sender a receipt.

    `submission`: made by submitting (always kept, even when the content equals the last version: a receipt
    proves each submission); otherwise an edit of a submitted response, kept only when the content changed.
    `at` is the time of receipt (default: the database's clock, the one the deadline is checked against).
    Side effects: a `ResponseVersion` row; the receipt mail to `by` in their language (time and SHA-256).
    """
    content = response_content(response)
    checksum = checksum_of(content)
    last = ResponseVersion.objects.filter(response=response).order_by("-number").first()
    if not submission and last is not None and last.checksum == checksum:
        return None
    version = ResponseVersion.objects.create(
        response=response,
        number=(last.number + 1) if last else 1,
        snapshot=content,
        checksum=checksum,
        submission=submission,
        created_at=at or database_now(),
        created_by=by,
    )
    if getattr(by, "email", ""):
        link = settings.SITE_URL + reverse("projects:response_detail", args=[response.pk])
        send_mail_to(
            [by],
            template="projects/mail/response_receipt",
            context={"call": response.call, "response": response, "version": version, "link": link},
            key=f"response-receipt:{version.pk}",
        )
    return version
