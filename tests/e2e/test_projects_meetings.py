"""Dialogue meetings in a browser, with axe on every page: the buyer sets the cut-off and offers two
consecutive slots (a link without https is refused next to the field), a company books one from the call page
and downloads its calendar file, the buyer sees who booked and keeps an internal note, the company moves and
then cancels its meeting."""

import re
from datetime import timedelta

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from projects.meetings.models import MeetingBooking, MeetingSlot
from tests.e2e.sessions import sign_in
from tests.factories import make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory


def _local(delta):
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def _as(ui, user):
    ui.page.context.clear_cookies()
    sign_in(ui.page.context, ui.base_url, user)


def test_buyer_offers_slots_company_books_moves_and_cancels(ui):
    buyer = make_buyer(email="kopare@kommun.example.se")
    company = make_company_user(email="salj@foretag.example.se")
    company_org = organisation_of(company)
    call = CallFactory(need=NeedFactory(organisation=organisation_of(buyer)), created_by=buyer, title="RFI: laddning")

    # The buyer sets the cut-off and offers slots.
    _as(ui, buyer)
    page = ui.goto(f"/calls/{call.pk}/")
    ui.submit(page.get_by_role("link", name="Hantera dialogmötena"))
    ui.fill("Bokningen stänger", _local(timedelta(days=5)))
    ui.submit(page.get_by_role("button", name="Spara sista bokningstid"))
    expect(page.locator("body")).to_contain_text("Sista bokningstid är sparad.")
    ui.fill("Start för första mötestiden", _local(timedelta(days=7)))
    ui.fill("Längd per mötestid (minuter)", "30")
    ui.fill("Antal mötestider i följd", "2")
    ui.fill("Videolänk", "http://mote.example.se/rum")
    ui.fill("Meddelande till företaget", "Vi bjuder på kaffe.")
    ui.submit(page.get_by_role("button", name="Erbjud mötestiderna"))
    expect(page.locator("#id_video_url_error")).to_contain_text("Videolänken måste börja med https://.")
    expect(page.get_by_label("Meddelande till företaget")).to_have_value("Vi bjuder på kaffe.")
    ui.fill("Videolänk", "https://mote.example.se/rum")
    ui.submit(page.get_by_role("button", name="Erbjud mötestiderna"))
    assert MeetingSlot.objects.filter(call=call).count() == 2
    expect(page.get_by_role("table")).to_contain_text("Ledig")

    # A company books the first slot from the call page.
    _as(ui, company)
    page = ui.goto(f"/calls/{call.pk}/")
    expect(page.locator("#meetings").locator("..")).to_contain_text("2 lediga mötestider.")
    ui.submit(page.get_by_role("link", name="Boka ett möte"))
    expect(page.locator("body")).to_contain_text("Vi bjuder på kaffe.")
    mail.outbox.clear()
    ui.submit(page.get_by_role("button", name=re.compile("^Boka ")).first)
    expect(page.locator("body")).to_contain_text("Mötet är bokat.")
    booking = MeetingBooking.objects.get()
    assert booking.organisation == company_org
    assert sorted(m.to[0] for m in mail.outbox) == [buyer.email, company.email]
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner kalenderfilen (.ics)").click()
    assert download.value.suggested_filename == f"dialogmote-{booking.pk}.ics"

    # The buyer sees who booked and keeps a note.
    _as(ui, buyer)
    page = ui.goto(f"/calls/{call.pk}/meetings/")
    ui.submit(page.get_by_role("link", name=company_org.name))
    page.get_by_role("textbox", name="Interna anteckningar").fill("Lovande, fråga om referenser.")
    ui.submit(page.get_by_role("button", name="Spara anteckningarna"))
    booking.refresh_from_db()
    assert booking.buyer_notes == "Lovande, fråga om referenser."

    # The company moves its meeting to the other slot, then cancels it.
    _as(ui, company)
    page = ui.goto(f"/calls/{call.pk}/meetings/book/")
    expect(page.locator("body")).not_to_contain_text("Lovande")
    ui.submit(page.get_by_role("button", name=re.compile("^Flytta till ")))
    expect(page.locator("body")).to_contain_text("Mötet är flyttat.")
    booking.refresh_from_db()
    assert booking.sequence == 1
    ui.submit(page.get_by_role("button", name="Avboka mötet"))
    expect(page.locator("body")).to_contain_text("Mötet är avbokat.")
    booking.refresh_from_db()
    assert booking.is_cancelled and booking.sequence == 2
