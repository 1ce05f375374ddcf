"""Mails in the recipient's language.

Every mail the portal sends goes through `send_mail_to`: subject and body come
from templates (`<name>_subject.txt`, `<name>.txt`) rendered under the
recipient's language, as plain text (no HTML escaping).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import engines
from django.utils import translation


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str = "sv"

    @classmethod
    def from_user(cls, user) -> "Recipient":
        return cls(email=user.email, language=getattr(user, "language", "") or settings.LANGUAGE_CODE)


def _render_text(name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping."""
    return engines["text"].get_template(name).render(context)


def send_mail_to(
    recipients, *, template: str, context: dict, attachments: list[tuple[str, bytes, str]] | None = None
) -> int:
    """Render `template` once per language and send one mail per recipient. Returns the number sent."""
    sent = 0
    for recipient in recipients:
        if not isinstance(recipient, Recipient):
            recipient = Recipient.from_user(recipient)
        with translation.override(recipient.language):
            ctx = {"site_url": settings.SITE_URL, **context, "recipient": recipient}
            subject = " ".join(_render_text(f"{template}_subject.txt", ctx).split())
            body = _render_text(f"{template}.txt", ctx)
        message = EmailMessage(subject=subject, body=body, to=[recipient.email])
        for name, content, mimetype in attachments or []:
            message.attach(name, content, mimetype)
        sent += message.send()
    return sent
