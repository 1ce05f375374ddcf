"""The one way a view checks access: `PermissionView`.

Every view that is not fully public derives from it (directly or through an app's small subclass):

1. anonymous users are sent to sign in (unless `login_required = False`);
2. `role_required` (a permission without an object, e.g. "is a portal admin") is checked next: 403;
3. the object the URL names is fetched once, in `get_object()`, through the app's scoped selector, which raises
   `Http404` for "missing" and "not yours" alike; it is `self.object` in every handler;
4. `permission_required` (a `rules` permission) is checked against that object (or against nothing on a role
   page). Denied on an object: 404, so that "not yours" and "not found" look the same; on a role page: 403.
   A view may set `denied_status = 403` when the object is the user's but the action is not allowed now
   (a page the user reached from a link), or override `permission_denied()` to explain (an unverified
   organisation).

Services turn a rule that depends on state into a `ServiceError`; `form_error(form, error)` puts it next to
the field it names (or on top of the form), the one way a view shows a service's refusal.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views import View


def form_error(form, error) -> None:
    """Show a `ServiceError` on `form`: next to its field if the form has that field, else above the form."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, error.message)


def message_error(request, error) -> None:
    """Show a `ServiceError` from a one-button action (no form) as a page message."""
    messages.error(request, error.message)


class PermissionView(View):
    login_required = True
    # A role page's own permission (no object), checked before the object is fetched: a user without the role
    # gets 403 whether or not the object exists, so ids cannot be probed.
    role_required: str | None = None
    permission_required: str | None = None
    # Status when the permission is denied on an object the selector returned: 404 hides that it exists.
    denied_status = 404
    object = None

    def get_object(self):
        """The object the URL names, through the app's scoped selector (404 if missing or not the user's)."""
        return None

    def get_permission_object(self):
        return self.object

    def has_permission(self) -> bool:
        if not self.permission_required:
            return True
        return self.request.user.has_perm(self.permission_required, self.get_permission_object())

    def permission_denied(self):
        """Called when `has_permission()` is false; returns a response or raises."""
        if self.object is not None and self.denied_status == 404:
            raise Http404
        raise PermissionDenied

    def dispatch(self, request, *args, **kwargs):
        if self.login_required and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if self.role_required and not request.user.has_perm(self.role_required):
            raise PermissionDenied
        self.object = self.get_object()
        if not self.has_permission():
            return self.permission_denied()
        return super().dispatch(request, *args, **kwargs)
