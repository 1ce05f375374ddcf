"""The thread of an application, for the applicant's members and for handlers/admins; 404 for everyone else.

The same panel (templates/checks/messages/panel.html, through the `messages_panel` tag) is shown on the
applicant's and the handler's application page; a message is written on the thread page, which keeps the text
and shows the errors next to the fields when something is wrong.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.rules import is_staff_role
from portal.services import ServiceError
from portal.views.access import PermissionView, form_error

from .. import selectors as check_selectors
from . import diff, selectors, services
from .forms import ThreadMessageForm


def panel_context(request, application, form=None, history=None) -> dict:
    """What the thread panel shows to this user: the deadline, the thread, the form and (staff) the changes.

    `history` is the application's state changes when the page has them (read once for the page and the panel).
    """
    user = request.user
    history = list(check_selectors.history_of(application) if history is None else history)
    staff = is_staff_role(user)
    can_write = user.has_perm("checks.write_message_application", application)
    can_write_note = user.has_perm("checks.write_note_application", application)
    completion = selectors.completion_request(application, history)
    can_view = user.has_perm("checks.view_messages_application", application)
    context = {
        "application": application,
        "thread": selectors.thread_of(application, user) if can_view else None,
        "staff": staff,
        "completion": completion,
        "overdue": staff and selectors.is_overdue(completion),
        "can_write": can_write,
        "message_form": form or (ThreadMessageForm(can_write_note=can_write_note) if can_write else None),
    }
    if staff and selectors.completion_returned(history):
        versions = selectors.last_versions(application)
        if versions is not None:
            before, after = versions
            context["versions"] = {
                "before": before,
                "after": after,
                "fields": [part for part in diff.compare_fields(before.content, after.content) if part.changed],
                "lines": diff.compare_lines(before.content, after.content),
            }
    return context


class ThreadView(PermissionView):
    permission_required = "checks.view_messages_application"
    template_name = "checks/messages/thread.html"

    def get_object(self):
        if is_staff_role(self.request.user):
            return check_selectors.get_application_for_staff(self.request.user, self.kwargs["pk"])
        return check_selectors.get_application_for(self.request.user, self.kwargs["pk"])

    def application_url(self):
        if is_staff_role(self.request.user):
            return redirect("checks:review_detail", pk=self.object.pk)
        return redirect("checks:application_detail", pk=self.object.pk)

    def render_page(self, form=None, status=200):
        return render(self.request, self.template_name, panel_context(self.request, self.object, form), status=status)

    def get(self, request, pk):
        return self.render_page()

    def post(self, request, pk):
        application = self.object
        if not request.user.has_perm("checks.write_message_application", application):
            return self.http_method_not_allowed(request)
        can_write_note = request.user.has_perm("checks.write_note_application", application)
        form = ThreadMessageForm(request.POST, request.FILES, can_write_note=can_write_note, uploader=request.user)
        if form.is_valid():
            internal = bool(form.cleaned_data.get("internal"))
            try:
                services.post_message(
                    application=application,
                    by=request.user,
                    body=form.cleaned_data["body"],
                    internal=internal,
                    files=form.cleaned_data["attachments"],
                )
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The note is saved.") if internal else _("The message is sent."))
                response = self.application_url()
                response["Location"] += "#messages-heading"
                return response
        return self.render_page(form, status=400)
