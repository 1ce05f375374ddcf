"""Writes for decision letters: ordering one for a decision, producing a failed one again, mailing it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import AuditAction
from portal.documents import create_document, fingerprint_of, requeue_document
from portal.mail import send_mail_to
from portal.models import User
from portal.outbox import enqueue
from portal.services import InvalidTransition, write_audit

from ..models import Application
from ..selectors import people_to_mail
from .models import KIND, DecisionLetter, letter_filename


def order_decision_letter(*, application: Application, by: User | None) -> DecisionLetter:
    """Order the decision letter PDF (in the contact person's language) and its mailing.

    Call inside a transaction holding the application's row lock. Side effects: a queued
    DecisionLetter whose rendering (portal.documents) runs on commit; once it is ready the kind's
    on_ready hook queues the mailing (`queue_mailing`).
    """
    decision = application.decision
    letter, _created = create_document(
        kind=KIND,
        by=by,
        language=application.contact.language,
        fingerprint=fingerprint_of([decision.pk, decision.outcome, decision.granted_amount, decision.reasoning]),
        application=application,
    )
    if letter.decision_id != decision.pk:
        letter.decision = decision
        letter.save(update_fields=["decision"])
    return letter


@transaction.atomic
def retry_decision_letter(*, application: Application, by: User) -> DecisionLetter:
    """Produce a failed decision letter again and mail it when ready.

    Side effects: the letter back in the queue (portal.documents), the mailing task on commit, an audit row.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "track", "organisation", "contact")
        .get(pk=application.pk)
    )
    letter = application.letters.order_by("-version", "-id").first()
    if letter is None or not letter.is_failed:
        raise InvalidTransition(_("Only a decision letter that failed can be produced again."))
    letter = requeue_document(kind=KIND, document=letter)
    write_audit(actor=by, action=AuditAction.DECISION_LETTER_RETRIED, obj=application)
    return letter


def queue_mailing(letter: DecisionLetter) -> None:
    """on_ready hook: mail the ready letter (a task, so that mailing is retried apart from rendering).

    Side effects: the mailing task queued through the outbox.
    """
    from .tasks import mail_decision_letter_task  # tasks.py imports this module

    enqueue(mail_decision_letter_task, letter_id=letter.pk)


class LetterNotReady(Exception):
    """The letter is still being rendered (or failed); the mailing task tries again later."""


def mail_decision_letter(*, letter_id: int) -> bool:
    """Mail a ready decision letter as a PDF attachment to the contact person and the owners. Idempotent.

    Returns False if it was already mailed. Side effects: mails, `mailed_at`, an audit row.
    Raises LetterNotReady while the PDF is not ready (the task retries).
    """
    letter = DecisionLetter.objects.get(pk=letter_id)
    if letter.mailed_at is not None:
        return False
    if not letter.is_ready:
        raise LetterNotReady(f"Decision letter {letter_id} is {letter.status}.")
    with transaction.atomic():
        letter = DecisionLetter.objects.select_for_update().select_related("application__contact").get(pk=letter_id)
        if letter.mailed_at is not None:
            return False
        application = letter.application
        with letter.file.open("rb") as handle:
            content = handle.read()
        recipients = people_to_mail(application)
        filename = letter_filename(letter)
        letter.mailed_at = timezone.now()
        letter.save(update_fields=["mailed_at", "updated_at"])
        write_audit(
            actor=None, action=AuditAction.DECISION_LETTER_MAILED, obj=application, details={"filename": filename}
        )
        # The mails are queued in this transaction: `mailed_at` and the mails are committed together.
        send_mail_to(
            recipients,
            template="checks/mail/decision_letter",
            context={"application": application},
            attachments=[(filename, content, "application/pdf")],
        )
    return True
