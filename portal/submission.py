"""A guard against submitting a create form twice (double click, two tabs, back and resubmit).

The form carries a fresh random token (`{% submission_token %}`). The first valid POST with it runs the
view inside a transaction and, if the view answers with a redirect (the object was created), records the
token and that redirect's URL in `SubmissionToken` in the same transaction. A later POST with the same token
creates nothing and is sent to the first one's page. Two simultaneous POSTs both run the view, but the unique
token decides: the loser's INSERT waits for the winner's commit, fails, and its savepoint (with its object)
rolls back. A POST without a token is not guarded, so old clients and tests keep working.
"""

import functools
import re
import secrets
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .models import SubmissionToken

FIELD = "submission_token"
KEEP = timedelta(days=2)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _token_of(request: HttpRequest) -> str | None:
    token = request.POST.get(FIELD, "")
    return token if _TOKEN_RE.match(token) else None


def _user_id(request: HttpRequest):
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _already_sent(request: HttpRequest, token: str):
    used = SubmissionToken.objects.filter(token=token).first()
    if used is None:
        return None
    if used.url and used.user_id == _user_id(request):
        return redirect(used.url)
    messages.info(request, _("Already sent: this form was submitted once and is not sent again."))
    back = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return redirect(back)


def guard_submission(post):
    """Decorate a view's POST handler (method or function) so each submission token counts once."""

    @functools.wraps(post)
    def wrapper(*args, **kwargs):
        request = next(arg for arg in args if isinstance(arg, HttpRequest))
        token = _token_of(request)
        if token is None:
            return post(*args, **kwargs)
        duplicate = _already_sent(request, token)
        if duplicate is not None:
            return duplicate
        try:
            with transaction.atomic():
                response = post(*args, **kwargs)
                if response.status_code in (301, 302, 303):
                    SubmissionToken.objects.create(token=token, user_id=_user_id(request), url=response["Location"])
        except IntegrityError:
            duplicate = _already_sent(request, token)
            if duplicate is None:
                raise
            return duplicate
        return response

    return wrapper


class SubmissionGuardMixin:
    """For class-based create views: guard the POST handler (after the mixins' access checks have run)."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and hasattr(self, "post"):
            self.post = guard_submission(self.post)
        return super().dispatch(request, *args, **kwargs)


def prune_submission_tokens(*, older_than: timedelta = KEEP) -> int:
    """Delete tokens older than `older_than`; returns how many. Side effects: deletes rows only."""
    deleted, _counts = SubmissionToken.objects.filter(created__lt=timezone.now() - older_than).delete()
    return deleted
