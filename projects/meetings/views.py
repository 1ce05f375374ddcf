"""Dialogue meetings: the buyer's page of slots and bookings, a company's booking page, the calendar file and the
buyer's internal notes. Objects come through the scoped selectors (404 for "missing" and "not yours")."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.rules import active_organisation
from portal.views.access import form_error, message_error

from .. import selectors as project_selectors
from ..views.base import ProjectsView
from . import ics, selectors, services
from .forms import BookForm, MeetingSettingsForm, NotesForm, OutcomeForm, SlotForm
from .models import Party, call_takes_slots_at

# --- the buyer ---------------------------------------------------------------------------------------------------


class OwnCallMeetingsView(ProjectsView):
    """The meetings of a call of the organisation the user acts for."""

    permission_required = "projects.manage_meetings"
    denied_status = 403

    def get_object(self):
        return project_selectors.get_own_call(self.request.user, self.kwargs["pk"])

    def render_page(self, *, settings_form=None, slot_form=None):
        call = self.object
        meeting_settings = selectors.settings_of(call)
        if settings_form is None:
            initial = (
                {"booking_closes_at": timezone.localtime(meeting_settings.booking_closes_at)}
                if meeting_settings
                else {}
            )
            settings_form = MeetingSettingsForm(initial=initial)
        slots = list(selectors.slots_for_buyer(call))
        return render(
            self.request,
            "projects/meetings/manage.html",
            {
                "call": call,
                "meeting_settings": meeting_settings,
                "settings_form": settings_form,
                "slot_form": slot_form or SlotForm(),
                "slots": slots,
                "booked_count": sum(1 for slot in slots if slot.active_bookings),
                "takes_slots": call_takes_slots_at(call, timezone.now()),
            },
        )


class MeetingManageView(OwnCallMeetingsView):
    def get(self, request, pk):
        return self.render_page()


class MeetingSettingsView(OwnCallMeetingsView):
    http_method_names = ["post"]

    def post(self, request, pk):
        form = MeetingSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.save_meeting_settings(call=self.object, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The booking cut-off is saved."))
                return redirect("projects:meeting_manage", pk=pk)
        return self.render_page(settings_form=form)


class MeetingSlotAddView(OwnCallMeetingsView):
    http_method_names = ["post"]

    def post(self, request, pk):
        form = SlotForm(request.POST)
        if form.is_valid():
            try:
                slots = services.add_meeting_slots(call=self.object, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(count)s slot(s) offered.") % {"count": len(slots)},
                )
                return redirect("projects:meeting_manage", pk=pk)
        return self.render_page(slot_form=form)


class MeetingSlotCancelView(ProjectsView):
    http_method_names = ["post"]
    permission_required = "projects.cancel_meetingslot"
    denied_status = 403

    def get_object(self):
        return selectors.get_slot_for_buyer(self.request.user, self.kwargs["pk"])

    def post(self, request, pk):
        slot = self.object
        try:
            services.cancel_meeting_slot(slot=slot, by=request.user)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The slot is withdrawn. A company that had booked it has been told."))
        return redirect("projects:meeting_manage", pk=slot.call_id)


class BuyerMeetingView(ProjectsView):
    """One booked meeting of the buyer's call: the company, the internal notes, held or not."""

    permission_required = "projects.note_meetingbooking"
    denied_status = 403

    def get_object(self):
        return selectors.get_booking_for_buyer(self.request.user, self.kwargs["pk"])

    def render_page(self, *, notes_form=None, outcome_form=None):
        booking = self.object
        return render(
            self.request,
            "projects/meetings/meeting_detail.html",
            {
                "booking": booking,
                "call": booking.call,
                "slot": booking.slot,
                "notes_form": notes_form or NotesForm(initial={"notes": booking.buyer_notes}, call=booking.call),
                "outcome_form": outcome_form or OutcomeForm(initial={"outcome": booking.outcome or None}),
            },
        )


class MeetingDetailView(BuyerMeetingView):
    def get(self, request, pk):
        return self.render_page()

    def post(self, request, pk):
        form = NotesForm(request.POST, call=self.object.call)
        if form.is_valid():
            services.save_meeting_notes(booking=self.object, by=request.user, notes=form.cleaned_data["notes"])
            messages.success(request, _("The internal notes are saved."))
            return redirect("projects:meeting_detail", pk=pk)
        return self.render_page(notes_form=form)


class MeetingOutcomeView(BuyerMeetingView):
    http_method_names = ["post"]

    def post(self, request, pk):
        form = OutcomeForm(request.POST)
        if form.is_valid():
            try:
                services.record_meeting_outcome(booking=self.object, by=request.user, **form.cleaned_data)
            except services.ServiceError as error:
                form_error(form, error)
            else:
                messages.success(request, _("The outcome of the meeting is saved."))
                return redirect("projects:meeting_detail", pk=pk)
        return self.render_page(outcome_form=form)


# --- the company -------------------------------------------------------------------------------------------------


class MeetingBookView(ProjectsView):
    """A company's page for a call's meetings: the free slots and its own booking (book, move, cancel)."""

    permission_required = "projects.book_meeting"
    denied_status = 403

    def get_object(self):
        return project_selectors.get_call_for(self.request.user, self.kwargs["pk"])

    def render_page(self):
        call = self.object
        now = timezone.now()
        meeting_settings = selectors.settings_of(call)
        return render(
            self.request,
            "projects/meetings/book.html",
            {
                "call": call,
                "meeting_settings": meeting_settings,
                "booking_open": meeting_settings is not None and meeting_settings.is_booking_open_at(now),
                "free_slots": list(selectors.free_slots(call, now)),
                "booking": selectors.booking_of(active_organisation(self.request.user), call),
            },
        )

    def get(self, request, pk):
        return self.render_page()

    def post(self, request, pk):
        form = BookForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a slot."))
            return redirect("projects:meeting_book", pk=pk)
        organisation = active_organisation(request.user)
        booking = selectors.booking_of(organisation, self.object)
        try:
            if booking is None:
                services.book_meeting(
                    call=self.object, slot_id=form.cleaned_data["slot"], organisation=organisation, by=request.user
                )
                messages.success(
                    request, _("The meeting is booked. You and the buyer get a calendar invitation by mail.")
                )
            else:
                services.move_meeting(booking=booking, slot_id=form.cleaned_data["slot"], by=request.user)
                messages.success(
                    request, _("The meeting is moved. You and the buyer get an updated calendar invitation.")
                )
        except services.ServiceError as error:
            message_error(request, error)
        return redirect("projects:meeting_book", pk=pk)


# --- both sides --------------------------------------------------------------------------------------------------


class BookingView(ProjectsView):
    """A booking of the company the user acts for, or on a call of the buyer organisation it acts for."""

    permission_required = "projects.view_meetingbooking"
    denied_status = 403

    def get_object(self):
        return selectors.get_booking_for(self.request.user, self.kwargs["pk"])


class MeetingCancelView(BookingView):
    http_method_names = ["post"]
    permission_required = "projects.cancel_meetingbooking"

    def post(self, request, pk):
        booking = self.object
        organisation = active_organisation(request.user)
        party = Party.COMPANY if organisation.pk == booking.organisation_id else Party.BUYER
        try:
            services.cancel_meeting(booking=booking, by=request.user, party=party)
        except services.ServiceError as error:
            message_error(request, error)
        else:
            messages.success(request, _("The meeting is cancelled. Both sides get a calendar cancellation by mail."))
        if party == Party.COMPANY:
            return redirect("projects:meeting_book", pk=booking.call_id)
        return redirect("projects:meeting_manage", pk=booking.call_id)


class MeetingIcsView(BookingView):
    def get(self, request, pk):
        return ics.ics_response(self.object)
