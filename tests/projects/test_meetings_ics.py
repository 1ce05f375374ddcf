"""The meeting's calendar file: RFC 5545 text escaping and line folding, times in UTC, a stable UID."""

from datetime import UTC, timedelta

import icalendar
import pytest
from django.utils import translation

from projects.meetings.ics import meeting_ics
from tests.factories import make_company_user, organisation_of

from .factories import CallFactory
from .meetings_helpers import booking, slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting():
    call = CallFactory(title="Ny ladd; infrastruktur, för bussar")
    note = "Kom till entré B, plan 3; fråga efter Anna.\nTa med legitimation, tack. " + "Lång text " * 12
    return booking(
        slot(call, place="Stadshuset, rum 4; våning 2", note=note, video_url="https://meet.example.se/a"),
        organisation_of(make_company_user()),
    )


def _raw(meeting) -> str:
    with translation.override("sv"):
        return meeting_ics(meeting).decode()


def test_text_is_escaped(meeting):
    unfolded = _raw(meeting).replace("\r\n ", "")
    assert "LOCATION:Stadshuset\\, rum 4\\; våning 2" in unfolded
    assert "Kom till entré B\\, plan 3\\; fråga efter Anna.\\nTa med legitimation\\, tack." in unfolded
    assert "Ny ladd\\; infrastruktur\\, för bussar" in unfolded


def test_long_lines_are_folded_at_75_octets(meeting):
    raw = _raw(meeting)
    lines = raw.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines)  # the description did need folding
    assert raw.endswith("\r\n")


def test_times_are_utc_and_the_file_parses_back(meeting):
    raw = _raw(meeting)
    start = meeting.slot.starts_at.astimezone(UTC)
    assert f"DTSTART:{start:%Y%m%dT%H%M%SZ}" in raw
    assert f"DTEND:{start + timedelta(minutes=30):%Y%m%dT%H%M%SZ}" in raw
    event = icalendar.Calendar.from_ical(raw).walk("VEVENT")[0]
    assert str(event["uid"]) == f"meeting-{meeting.uid}@innovationsupphandlingsportalen"
    assert event["dtstart"].dt == start.replace(microsecond=0)


def test_a_cancelled_meeting_is_a_cancel_with_the_same_uid(meeting):
    before = icalendar.Calendar.from_ical(_raw(meeting))
    meeting.status = "cancelled"
    meeting.sequence = 1
    after = icalendar.Calendar.from_ical(_raw(meeting))
    assert (str(before["method"]), str(after["method"])) == ("REQUEST", "CANCEL")
    old, new = before.walk("VEVENT")[0], after.walk("VEVENT")[0]
    assert str(old["uid"]) == str(new["uid"])
    assert (int(old["sequence"]), int(new["sequence"])) == (0, 1)
    assert str(new["status"]) == "CANCELLED"


def test_the_buyers_notes_are_never_in_the_file(meeting):
    meeting.buyer_notes = "Internt: priset verkar högt"
    assert "Internt" not in _raw(meeting)
