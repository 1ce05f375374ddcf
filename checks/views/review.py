"""Pages of the agency's staff: handlers score, ask for completions, decide and handle final reports; portal
admins read along (and see the overview of a call).

An application is fetched through `selectors.get_application_for_staff` (404 for anyone who is not staff, and
for drafts). When the rule of a handler's action says no (the state moved on, a declared conflict of interest),
the handler is told why on the application's page.
"""

import datetime
from functools import cached_property
from hashlib import sha256

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext, pgettext
from django.views.generic import ListView, TemplateView

from portal.cache import PageFragments
from portal.csv_export import csv_response, swedish_row, xlsx_response
from portal.files import attachments_for
from portal.query import KeptCountPaginator, LenientPaginationMixin, clean_query
from portal.services import ServiceError
from portal.views.access import PermissionView, form_error, message_error

from .. import notifications, selectors, services
from ..decision_letters.selectors import decision_context, preview_decision
from ..forms import (
    AssignForm,
    ConflictForm,
    CorrectionForm,
    DecisionForm,
    LiftConflictForm,
    MessageForm,
    NotificationSettingsForm,
    PeriodEndForm,
    QueueBatchForm,
    QueueFilterForm,
    ReviewForm,
)
from ..messages.forms import CompletionRequestForm
from ..rules import presents_proposal

# The families of what the queue's fragments show: applications with their reviews, decisions and final reports,
# the grant calls and tracks, and the applicants' organisations and the handlers (users).
QUEUE_FRAGMENT_FAMILIES = ("applications", "grantcalls", "organisations")
FRAGMENT_TTL = 60 * 60


def queue_rows(applications, fragments: str) -> None:
    """Put each row's cells on the application (`cells_start`, `cells_end`; checks/handler/queue_row.html), from
    the shared cache when they were rendered before: one round trip for the page.

    The cells are the same for every handler who may see the row (the checkbox and the handler's own conflict of
    interest are not in them), so they are stored per application, not per user. The key holds `fragments` (a
    new token after any write to the applications, grant calls, organisations or users, and at each clock
    boundary, midnight at the latest: `portal.cache.fragment_version`), the language, and what the row shows by
    the clock (days waiting, overdue, applicant late), so a stored row is never out of date."""
    language = translation.get_language()
    keys = {
        application.pk: (
            f"checks:queue-row:{fragments}:{language}:{application.pk}:{application.days_waiting}:"
            f"{int(application.overdue)}:{int(bool(application.applicant_late))}"
        )
        for application in applications
    }
    stored = cache.get_many(list(keys.values())) if keys else {}
    rendered = {}
    template = None
    for application in applications:
        key = keys[application.pk]
        cells = stored.get(key)
        if cells is None:
            template = template or get_template("checks/handler/queue_row.html")
            cells = rendered[key] = (
                template.render({"application": application, "part": "start"}),
                template.render({"application": application, "part": "end"}),
            )
        application.cells_start, application.cells_end = mark_safe(cells[0]), mark_safe(cells[1])  # noqa: S308
    if rendered:
        cache.set_many({key: (str(start), str(end)) for key, (start, end) in rendered.items()}, FRAGMENT_TTL)


class QueueView(PermissionView, LenientPaginationMixin, ListView):
    """The handler's queue: opens on "needs action"; tabs, filters, search, days waiting; the ticked rows can be
    assigned or exported (QueueBatchView)."""

    permission_required = "checks.view_queue"
    template_name = "checks/handler/queue.html"
    context_object_name = "applications"
    paginate_by = 50

    def get_queryset(self):
        self.filters = QueueFilterForm(self.request.GET or None)
        values = self.filters.filters()
        call = values.get("call")
        self.view = values.get("view") or (selectors.ALL if values.get("state") else selectors.NEEDS_ACTION)
        self.now = timezone.now()
        queue = selectors.review_queue(
            self.request.user,
            view=self.view,
            call=call.pk if call else None,
            track=values.get("track"),
            state=values.get("state") or None,
            assigned=values.get("assigned") or None,
            search=values.get("q") or "",
            sort=values.get("sort") or "submitted",
            now=self.now,
        )
        return selectors.with_reported_costs(queue)

    @cached_property
    def page_fragments(self) -> PageFragments:
        """The filters, the batch form and the count of the hits: read with their generation in one round trip."""
        return PageFragments(
            QUEUE_FRAGMENT_FAMILIES,
            {
                "checks-queue-filters": self.filter_key(),
                "checks-queue-batch": "",
                "checks-queue-count": self.count_key(),
            },
            FRAGMENT_TTL,
        )

    def count_key(self) -> str:
        """What the number of hits depends on besides the families: the handler (the "mine" tab and "assigned to
        me"), the tab, the valid filters, and the day (the "applicant late" tab)."""
        values = self.filters.filters()
        call = values.get("call")
        wanted = [self.request.user.pk, self.view, call.pk if call else None, timezone.localdate(self.now).isoformat()]
        wanted += [values.get(name) or "" for name in ("track", "state", "assigned", "q")]
        return sha256(repr(wanted).encode()).hexdigest()

    def get_paginator(self, queryset, per_page, **kwargs):
        if self.view == selectors.OVERDUE:
            # The tab's rows change with the clock at any moment (waiting more than OVERDUE_DAYS days): counted.
            return super().get_paginator(queryset, per_page, **kwargs)
        return KeptCountPaginator(
            queryset, per_page, keep=lambda count: self.page_fragments.kept("checks-queue-count", count), **kwargs
        )

    def filter_key(self) -> str:
        """What the filter form's fragment depends on besides the grant calls: the values it was given."""
        if not self.filters.is_bound:
            return "unbound"
        values = [(name, self.request.GET.getlist(name)) for name in sorted(self.filters.fields)]
        return sha256(repr(values).encode()).hexdigest()

    def invalid_filters(self) -> list[str]:
        """One sentence per filter whose value was not valid (it is ignored; the other filters apply)."""
        if not self.filters.is_bound:
            return []
        return [
            _("The value for “%(filter)s” is not valid and is ignored.") % {"filter": self.filters.fields[name].label}
            for name in self.filters.errors
            if name in self.filters.fields
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The rows' cells are stored under the version of the page's fragments (one more round trip for all).
        page_fragments = self.page_fragments
        fragments = page_fragments.version
        for application in context["applications"]:
            application.conflict = selectors.conflict_for(self.request.user, application)
            application.days_waiting = selectors.days_waiting(application, now=self.now)
            application.overdue = selectors.is_overdue(application, now=self.now)
        queue_rows(context["applications"], fragments)
        query = clean_query(self.request.GET)
        query.pop("page", None)
        tab_query = query.copy()
        tab_query.pop("view", None)
        tab_query = tab_query.urlencode()
        context.update(
            filters=self.filters,
            query_string=query.urlencode(),
            invalid_filters=self.invalid_filters(),
            current_view=self.view,
            tabs=[
                (value, label, f"?{tab_query}&view={value}" if tab_query else f"?view={value}")
                for value, label in QueueFilterForm.VIEW_LABELS.items()
            ],
            overdue_days=selectors.OVERDUE_DAYS,
            page_fragments=page_fragments,
        )
        context.setdefault("batch_form", QueueBatchForm())
        return context


class NotificationSettingsView(PermissionView):
    """A handler's notification settings: immediate mails or a daily digest, and the grant calls they follow."""

    permission_required = "checks.view_queue"
    template_name = "checks/handler/notification_settings.html"

    def get_form(self, data=None):
        user = self.request.user
        initial = {"mode": notifications.mode_of(user), "calls": sorted(notifications.followed_call_ids(user))}
        return NotificationSettingsForm(data, initial=initial, calls=notifications.calls_to_follow(user))

    def get(self, request):
        return render(request, self.template_name, {"form": self.get_form()})

    def post(self, request):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        notifications.save_notification_settings(
            user=request.user,
            mode=form.cleaned_data["mode"],
            call_ids=[call.pk for call in form.cleaned_data["calls"]],
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("checks:notification_settings")


class QueueBatchView(QueueView):
    """The ticked applications: assign them to one handler, or download them as CSV or .xlsx. Each assignment
    goes through `services.assign_application` (a handler with a declared conflict is refused per application);
    a form that is not valid shows the queue again with the ticks kept."""

    http_method_names = ["post"]

    def post(self, request):
        posted = request.POST.getlist("application")
        numbers = selectors.ticked_ids(posted)
        choices = (
            selectors.review_queue(request.user, view=selectors.ALL).filter(pk__in=numbers).values_list("pk", flat=True)
        )
        form = QueueBatchForm(request.POST, choices=list(choices))
        if not form.is_valid():
            self.object_list = self.get_queryset()
            context = self.get_context_data(batch_form=form, ticked={str(pk) for pk in numbers})
            return render(request, self.template_name, context, status=400)
        action, pks = form.cleaned_data["action"], form.cleaned_data["application"]
        if action == QueueBatchForm.ASSIGN:
            self.assign(pks, form.cleaned_data["handler"])
            query = clean_query(request.GET).urlencode()
            return redirect(reverse("checks:queue") + (f"?{query}" if query else ""))
        header = [*export_header(), *recommendation_header(), *decision_header()]
        rows = selectors.selection_export_table(request.user, pks)
        stamp = timezone.localdate().isoformat()
        if action == QueueBatchForm.XLSX:
            return xlsx_response(
                filename=f"checks-selection-{stamp}.xlsx", header=header, rows=rows, title=_("Applications")
            )
        return csv_response(
            filename=f"checks-selection-{stamp}.csv", header=header, rows=[swedish_row(row) for row in rows]
        )

    def assign(self, pks, handler):
        user = self.request.user
        done, refused = 0, []
        for application in selectors.review_queue(user, view=selectors.ALL, sort="reference").filter(pk__in=pks):
            if not user.has_perm("checks.assign_application", application):
                refused.append(
                    _("%(reference)s: only applications under handling can be assigned.")
                    % {"reference": application.reference}
                )
                continue
            try:
                services.assign_application(application=application, handler=handler, by=user)
            except ServiceError as error:
                refused.append(f"{application.reference}: {error.message}")
            else:
                done += 1
        if done:
            messages.success(
                self.request,
                ngettext(
                    "%(count)s application is assigned to %(handler)s.",
                    "%(count)s applications are assigned to %(handler)s.",
                    done,
                )
                % {"count": done, "handler": handler},
            )
        for message in refused:
            messages.error(self.request, message)


def export_header() -> list:
    return [
        _("Reference number"),
        _("Organisation"),
        _("Title"),
        _("Grant call"),
        _("Track"),
        _("State"),
        pgettext("check application", "Submitted"),
        _("Requested (SEK)"),
        _("Assigned handler"),
        _("Reviews"),
        _("Average weighted score"),
    ]


def recommendation_header() -> list:
    return [_("Reviews recommending approval"), _("Reviews recommending rejection"), _("Reviews unsure")]


def decision_header() -> list:
    return [_("Decision"), _("Granted (SEK)"), _("Reasoning")]


class StaffApplicationView(PermissionView):
    """A submitted application, for handlers and admins; 404 for anyone else and for drafts."""

    permission_required = "checks.view_internal_application"

    def get_object(self):
        return selectors.get_application_for_staff(self.request.user, self.kwargs["pk"])

    def back(self):
        return redirect("checks:review_detail", pk=self.object.pk)


class ReviewDetailView(StaffApplicationView):
    """The handler's page of an application: a fixed number of queries whatever the number of reviews, messages,
    files, decisions and letters (tests/test_query_counts.py)."""

    def get_object(self):
        return selectors.get_application_page_for_staff(self.request.user, self.kwargs["pk"])

    def get(self, request, pk):
        application = self.object
        has = request.user.has_perm
        reviews = list(selectors.reviews_of(application))
        conflicts = selectors.conflicts_of(application, request.user)  # first: it also reads the user's own
        files = selectors.page_files(application, request.user)
        application.message_files = files["messages"]  # for the thread panel (messages.selectors.thread_of)
        letter, decisions = selectors.letter_and_decisions(application)
        return render(
            request,
            "checks/handler/application.html",
            {
                "application": application,
                "history": selectors.history_of(application),
                "reviews": reviews,
                "average": selectors.average_score(application, reviews=reviews),
                "conflict": selectors.conflict_for(request.user, application),
                "files": files[services.APPLICANT_FILES],
                "report_files": files[services.FINAL_REPORT_FILES],
                # Letters and earlier decisions exist only once a decision does (no queries before).
                "letter": letter,
                "assign_form": AssignForm(initial={"handler": application.assigned_to_id}, application=application),
                "conflicts": conflicts,
                "can_assign_self": has("checks.assign_self_application", application),
                "can_assign": has("checks.assign_application", application),
                "can_review": has("checks.review_application", application),
                "can_request_completion": has("checks.request_completion_application", application),
                "can_propose": has("checks.propose_application", application),
                "can_correct": has("checks.propose_correction_application", application),
                "can_decide": has("checks.decide_application", application),
                "proposal": application.pending_proposal,
                "i_presented": presents_proposal(request.user, application),
                "decisions": decisions,
                "can_accept_report": has("checks.accept_report_application", application),
                "can_change_period": has("checks.change_period_application", application),
                "can_declare_conflict": has("checks.declare_conflict_application", application),
                "can_retry_letter": has("checks.retry_letter_application", application),
                "budget_left": application.call.total_budget - application.granted_in_call,
            },
        )


class AssignView(StaffApplicationView):
    permission_required = "checks.assign_application"

    def post(self, request, pk):
        application = self.object
        if request.POST.get("me"):
            handler = request.user
        else:
            form = AssignForm(request.POST)  # every handler: the service says why one with a conflict is refused
            if not form.is_valid():
                messages.error(request, _("Choose a handler."))
                return self.back()
            handler = form.cleaned_data["handler"]
        try:
            services.assign_application(application=application, handler=handler, by=request.user)
        except ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The assignment is saved."))
        return self.back()


class HandlerFormView(StaffApplicationView):
    """A form page for one handler action; when its rule says no (state, conflict), the handler is told why."""

    template_name = ""
    form_class = None
    denied_message = ""

    def permission_denied(self):
        if selectors.conflict_for(self.request.user, self.object) is not None:
            messages.error(self.request, _("You have declared a conflict of interest with this application."))
        else:
            messages.error(self.request, self.denied_message or _("This is not possible in the current state."))
        return self.back()

    def get_form(self, data=None):
        return self.form_class(data)

    def context(self, form):
        return {"application": self.object, "form": form}

    def get(self, request, pk):
        return render(request, self.template_name, self.context(self.get_form()))

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                message = self.act(form)
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, message)
                return self.back()
        return render(request, self.template_name, self.context(form), status=400)


class ScoreView(HandlerFormView):
    permission_required = "checks.review_application"
    template_name = "checks/handler/review_form.html"

    def get_form(self, data=None):
        application = self.object
        return ReviewForm(
            data, criteria=application.call.criteria.all(), review=selectors.review_by(application, self.request.user)
        )

    def act(self, form):
        services.save_review(
            application=self.object,
            handler=self.request.user,
            scores=form.scores(),
            recommendation=form.cleaned_data["recommendation"],
        )
        return _("Your review is saved.")


class RequestCompletionView(HandlerFormView):
    permission_required = "checks.request_completion_application"
    template_name = "checks/handler/completion_form.html"
    form_class = CompletionRequestForm

    def act(self, form):
        services.request_completion(
            application=self.object,
            by=self.request.user,
            message=form.cleaned_data["message"],
            reply_by=form.cleaned_data["reply_by"],
        )
        return _("The applicant has been asked to complete the application.")


class ProposeView(HandlerFormView):
    """The handler (föredragande) proposes the decision; another handler with the right to decide decides it."""

    permission_required = "checks.propose_application"
    template_name = "checks/handler/decision_form.html"
    form_class = DecisionForm

    def get_form(self, data=None):
        return DecisionForm(data, initial={"granted_amount": self.object.requested_amount})

    def context(self, form):
        application = self.object
        return {
            **super().context(form),
            "budget_left": application.call.total_budget - selectors.budget_granted(application.call),
            "average": selectors.average_score(application),
        }

    def act(self, form):
        services.propose_decision(
            application=self.object,
            by=self.request.user,
            outcome=form.cleaned_data["outcome"],
            granted_amount=form.cleaned_data.get("granted_amount"),
            reasoning=form.cleaned_data["reasoning"],
        )
        return _("Your proposal is saved. Another handler with the right to decide must now decide it.")


class CorrectView(HandlerFormView):
    """Propose a correction (rättelse, förvaltningslagen 36 §) of the decision that stands."""

    permission_required = "checks.propose_correction_application"
    template_name = "checks/handler/correction_form.html"
    denied_message = _("Only a decision that stands, before the final report, can be corrected.")

    def get_form(self, data=None):
        decision = self.object.decision
        return CorrectionForm(
            data, initial={"granted_amount": decision.granted_amount or None, "reasoning": decision.reasoning}
        )

    def context(self, form):
        return {**super().context(form), "decision": self.object.decision}

    def act(self, form):
        services.propose_correction(
            application=self.object,
            by=self.request.user,
            reason=form.cleaned_data["reason"],
            granted_amount=form.cleaned_data.get("granted_amount"),
            reasoning=form.cleaned_data["reasoning"],
        )
        return _("The correction is proposed. Another handler with the right to decide must now decide it.")


class DecideView(StaffApplicationView):
    """Confirm a proposal as beslutsfattare: the page shows what will be sent to whom and the letter's preview."""

    permission_required = "checks.decide_application"

    def permission_denied(self):
        user, application = self.request.user, self.object
        proposal = application.pending_proposal
        if selectors.conflict_for(user, application) is not None:
            message = _("You have declared a conflict of interest with this application.")
        elif proposal is None:
            message = _("There is no proposal to decide. A handler must first propose a decision.")
        elif proposal.proposed_by_id == user.pk:
            message = _("You presented this proposal, so another handler must decide it (four eyes).")
        elif not (application.is_in_review or application.is_correctable):
            message = _("This is not possible in the current state.")
        else:
            message = _("You do not have the right to decide. A portal admin can give it to you.")
        messages.error(self.request, message)
        return self.back()

    def get(self, request, pk):
        application = self.object
        proposal = application.pending_proposal
        decision = preview_decision(proposal, by=request.user)
        return render(
            request,
            "checks/handler/decide_confirm.html",
            {
                "application": application,
                "proposal": proposal,
                "recipients": selectors.people_to_mail(application),
                "letter": decision_context(application, decision),
            },
        )

    def post(self, request, pk):
        try:
            proposal_id = int(request.POST.get("proposal", ""))
        except ValueError:
            proposal_id = 0
        try:
            decision = services.decide_proposal(application=self.object, by=request.user, proposal_id=proposal_id)
        except ServiceError as error:
            message_error(request, error)
            return self.back()
        if decision.corrects_id:
            messages.success(request, _("The decision is corrected. The new decision letter is being prepared."))
        elif decision.is_approved:
            messages.success(
                request, _("The application is approved. The decision letter is being prepared and will be mailed.")
            )
        else:
            messages.success(
                request, _("The application is rejected. The decision letter is being prepared and will be mailed.")
            )
        return self.back()


class LiftConflictView(StaffApplicationView):
    """A portal admin lifts a handler's conflict of interest with a reason (services.lift_conflict)."""

    role_required = "portal.use_staff_pages"
    permission_required = "checks.lift_conflict"
    template_name = "checks/handler/lift_conflict_form.html"

    def get_object(self):
        self.application = super().get_object()
        return selectors.get_conflict_for(self.request.user, self.application, self.kwargs["conflict_pk"])

    def permission_denied(self):
        messages.error(self.request, _("The conflict of interest has already been lifted."))
        return redirect("checks:review_detail", pk=self.application.pk)

    def render_form(self, form, status=200):
        context = {"application": self.application, "conflict": self.object, "form": form}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk, conflict_pk):
        return self.render_form(LiftConflictForm())

    def post(self, request, pk, conflict_pk):
        form = LiftConflictForm(request.POST)
        if form.is_valid():
            try:
                services.lift_conflict(conflict=self.object, by=request.user, reason=form.cleaned_data["reason"])
            except ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The conflict of interest is lifted."))
                return redirect("checks:review_detail", pk=self.application.pk)
        return self.render_form(form, status=400)


class ConflictView(HandlerFormView):
    permission_required = "checks.declare_conflict_application"
    template_name = "checks/handler/conflict_form.html"
    form_class = ConflictForm

    def act(self, form):
        application = self.object
        scope = form.cleaned_data["scope"]
        services.declare_conflict(
            handler=self.request.user,
            reason=form.cleaned_data["reason"],
            application=application if scope == ConflictForm.SCOPE_APPLICATION else None,
            organisation=application.organisation if scope == ConflictForm.SCOPE_ORGANISATION else None,
        )
        return _("Your conflict of interest is recorded. You can no longer score or decide this application.")


class HandleFinalReportView(HandlerFormView):
    permission_required = "checks.accept_report_application"
    template_name = "checks/handler/final_report.html"

    def get_form(self, data=None):
        form = MessageForm(data)
        form.fields["message"].required = False
        return form

    def context(self, form):
        application = self.object
        return {
            **super().context(form),
            "report": getattr(application, "final_report", None),
            "report_files": attachments_for(application, services.FINAL_REPORT_FILES),
        }

    def act(self, form):
        if self.request.POST.get("action") == "accept":
            services.accept_final_report(application=self.object, by=self.request.user)
            return _("The final report is accepted and the application is closed.")
        services.request_report_completion(
            application=self.object, by=self.request.user, message=form.cleaned_data["message"]
        )
        return _("The final report is sent back to the applicant for completion.")


class PeriodEndView(HandlerFormView):
    """End an approved application's period now or set a new end date, with a reason (audited)."""

    permission_required = "checks.change_period_application"
    template_name = "checks/handler/period_form.html"
    denied_message = _lazy("The period can only be changed while the final report is awaited.")

    def get_form(self, data=None):
        # Yesterday ends the period now (it ends at the end of its last day), but never before it starts.
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        start = self.object.period_start
        return PeriodEndForm(data, initial={"period_end": max(yesterday, start) if start else yesterday})

    def act(self, form):
        application = services.change_period_end(
            application=self.object,
            by=self.request.user,
            period_end=form.cleaned_data["period_end"],
            reason=form.cleaned_data["reason"],
        )
        return _("The period now ends %(end)s; the final report is due %(due)s.") % {
            "end": application.period_end.isoformat(),
            "due": application.final_report_due.isoformat(),
        }


# --- A call's overview, for handlers and admins -------------------------------------------------------------------


class OverviewView(PermissionView):
    permission_required = "checks.view_overview_grantcall"
    denied_status = 403

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])


class CallOverviewView(OverviewView, TemplateView):
    template_name = "checks/overview.html"

    def get_context_data(self, **kwargs):
        call = self.object
        following = call.pk in notifications.followed_call_ids(self.request.user)
        return super().get_context_data(
            overview=selectors.call_overview(call), call=call, following=following, **kwargs
        )


class FollowCallView(PermissionView):
    """A handler follows a grant call (told of every application submitted in it) or stops following it (POST,
    from the call's overview)."""

    http_method_names = ["post"]
    role_required = "checks.view_queue"
    permission_required = "checks.view_queue"

    def get_object(self):
        return selectors.get_call_for(self.request.user, self.kwargs["pk"])

    def post(self, request, pk):
        follow = request.POST.get("follow") == "1"
        notifications.follow_call(user=request.user, call=self.object, follow=follow)
        if follow:
            messages.success(
                request, _("You now follow this grant call: you are told of every application submitted in it.")
            )
        else:
            messages.success(request, _("You no longer follow this grant call."))
        return redirect("checks:call_overview", pk=self.object.pk)


class CallExportView(OverviewView):
    """The call's applications as CSV (Swedish Excel: semicolons, decimal commas) or, with `.xlsx`, a workbook."""

    def get(self, request, pk, fmt="csv"):
        call = self.object
        criteria, rows = selectors.export_table(call)
        header = [
            *export_header(),
            *[_("Average: %(name)s") % {"name": c.name} for c in criteria],
            *recommendation_header(),
            *decision_header(),
        ]
        stamp = timezone.localdate().isoformat()
        name = f"checks-{call.reference_number}-{stamp}"
        if fmt == "xlsx":
            return xlsx_response(filename=f"{name}.xlsx", header=header, rows=rows, title=call.reference_number)
        return csv_response(filename=f"{name}.csv", header=header, rows=[swedish_row(row) for row in rows])
