"""Every date a user can enter lies between portal.dates.EARLIEST and LATEST (2000-01-01 to 2100-12-31).

Year 1 in Stockholm's local mean time is a moment in 1 BC: PostgreSQL stored it and every later read of the row
failed, so the pages showing it (and the form to repair it) answered 500 for everyone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from checks import services as check_services
from checks.models import Application, GrantCall
from portal import dates
from portal.services import ServiceError
from projects import services as project_services
from projects.models import Call, CallAlert, Need, Question
from tests.checks.factories import make_application, make_call
from tests.factories import make_buyer, make_portal_admin, organisation_of
from tests.projects.factories import NeedFactory, draft_call
from tests.webinars.factories import SeriesFactory, WebinarFactory
from webinars import services as webinar_services
from webinars.models import Webinar

pytestmark = pytest.mark.django_db

# The values a user typed, as a date input and as a date-time input sends them.
EXTREME_DATES = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"]
EXTREME_DATETIMES = ["0001-01-01T00:30", "1999-12-31T23:59", "2101-01-01T00:00", "9999-12-31T23:59"]
OUT_OF_RANGE = "date_out_of_range"


def test_the_range_is_2000_to_2100_inclusive_in_swedish_time():
    assert (dates.EARLIEST, dates.LATEST) == (date(2000, 1, 1), date(2100, 12, 31))
    stockholm = timezone.get_default_timezone()
    for ok in (date(2000, 1, 1), date(2100, 12, 31), datetime(2000, 1, 1, 0, 0, tzinfo=stockholm)):
        dates.validate_date_in_range(ok)
    for bad in (
        date(1999, 12, 31),
        date(2101, 1, 1),
        datetime(1, 1, 1, 0, 30, tzinfo=stockholm),
        datetime(9999, 12, 31, 23, 59, tzinfo=stockholm),
        datetime(1999, 12, 31, 23, 30, tzinfo=stockholm),
    ):
        with pytest.raises(ValidationError) as error:
            dates.validate_date_in_range(bad)
        assert error.value.code == OUT_OF_RANGE


# --- every form with a date, as the role that uses it -------------------------------------------------------------


@dataclass
class DateForm:
    """A form page with date fields: `setup(world)` makes what it needs and returns (url, valid data, snapshot),
    where `snapshot()` reads back what the database holds, so that nothing saved can be seen."""

    name: str
    role: str
    fields: dict[str, str]  # field name -> "date" or "datetime"
    setup: Callable


def _later(days: int, fmt: str = "%Y-%m-%dT%H:%M") -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime(fmt)


NEED_DATA = {"title": "Solceller", "summary": "Kort", "category": "energi", "stage": "behov", "planned_start": ""}


def _need_create(world):
    return reverse("projects:need_create"), dict(NEED_DATA), lambda: list(Need.objects.values_list("pk", flat=True))


def _need_edit(world):
    need = NeedFactory(organisation=world["buyer_org"], planned_start=date(2030, 1, 1))
    snapshot = lambda: list(Need.objects.values_list("pk", "title", "planned_start"))  # noqa: E731
    return reverse("projects:need_edit", args=[need.pk]), dict(NEED_DATA), snapshot


CALL_DATA = {"kind": "rfi", "title": "RFI", "description": "Text", "questions_to_market": "Vad?"}


def _call_data():
    return {**CALL_DATA, "opens_at": _later(1), "closes_at": _later(30)}


def _call_create(world):
    need = NeedFactory(organisation=world["buyer_org"])
    url = reverse("projects:call_create", args=[need.pk])
    return url, _call_data(), lambda: list(Call.objects.values_list("pk", flat=True))


def _call_edit(world):
    call = draft_call(need=NeedFactory(organisation=world["buyer_org"]))
    snapshot = lambda: list(Call.objects.values_list("pk", "title", "opens_at", "closes_at"))  # noqa: E731
    return reverse("projects:call_edit", args=[call.pk]), _call_data(), snapshot


def _application_data(call, buyer):
    return {
        "track": call.tracks.first().pk,
        "contact": buyer.pk,
        "title": "Sensorer",
        "purpose": "Testa",
        "background": "Fall",
        "expected_results": "Underlag",
        "period_start": "2030-01-01",
        "period_end": "2030-06-30",
        "requested_amount": "100000",
        "expertise-TOTAL_FORMS": "1",
        "expertise-INITIAL_FORMS": "0",
        "expertise-0-provider": "Labbet AB",
        "expertise-0-competence": "Testbädd",
        "expertise-0-fee": "100000",
        "budget-TOTAL_FORMS": "1",
        "budget-INITIAL_FORMS": "0",
        "budget-0-kind": "testbed",
        "budget-0-description": "Testbädd",
        "budget-0-amount": "100000",
    }


def _applications():
    return list(Application.objects.values_list("pk", "title", "period_start", "period_end"))


def _application_create(world):
    call = make_call()
    return reverse("checks:application_create", args=[call.pk]), _application_data(call, world["buyer"]), _applications


def _application_edit(world):
    application = make_application(buyer=world["buyer"], state=Application.State.DRAFT)
    url = reverse("checks:application_edit", args=[application.pk])
    return url, _application_data(application.call, world["buyer"]), _applications


GRANT_CALL_DATA = {
    "name": "Checkar 2030",
    "reference_number": "2030-00001",
    "theme": "Hållbarhet",
    "description": "D",
    "opens_on": "2030-01-01",
    "closes_on": "2030-03-31",
    "total_budget": "5000000",
    "tracks-TOTAL_FORMS": "0",
    "tracks-INITIAL_FORMS": "0",
    "criteria-TOTAL_FORMS": "0",
    "criteria-INITIAL_FORMS": "0",
}


def _grant_calls():
    return list(GrantCall.objects.values_list("pk", "name", "opens_on", "closes_on"))


def _grant_call_create(world):
    return reverse("checks:call_create"), dict(GRANT_CALL_DATA), _grant_calls


def _grant_call_edit(world):
    call = make_call(published=False, reference_number="2030-00009")
    data = {**GRANT_CALL_DATA, "reference_number": call.reference_number}
    return reverse("checks:call_edit", args=[call.pk]), data, _grant_calls


def _webinar_data():
    return {
        "series": "",
        "title": "Solceller",
        "theme": "Energi",
        "starts_at": _later(7),
        "ends_at": _later(8),
        "join_url": "https://meet.example.org/x",
        "capacity": "",
        "speakers-TOTAL_FORMS": "0",
        "speakers-INITIAL_FORMS": "0",
        "speakers-MIN_NUM_FORMS": "0",
        "speakers-MAX_NUM_FORMS": "20",
    }


def _webinars():
    return list(Webinar.objects.values_list("pk", "title", "starts_at", "ends_at"))


def _webinar_create(world):
    return reverse("webinars:webinar_create"), _webinar_data(), _webinars


def _webinar_edit(world):
    webinar = WebinarFactory(title="Före")
    return reverse("webinars:webinar_edit", args=[webinar.pk]), _webinar_data(), _webinars


DATE_FORMS = [
    DateForm("need_create", "buyer", {"planned_start": "date"}, _need_create),
    DateForm("need_edit", "buyer", {"planned_start": "date"}, _need_edit),
    DateForm("call_create", "buyer", {"opens_at": "datetime", "closes_at": "datetime"}, _call_create),
    DateForm("call_edit", "buyer", {"opens_at": "datetime", "closes_at": "datetime"}, _call_edit),
    DateForm("application_create", "buyer", {"period_start": "date", "period_end": "date"}, _application_create),
    DateForm("application_edit", "buyer", {"period_start": "date", "period_end": "date"}, _application_edit),
    DateForm("grant_call_create", "admin", {"opens_on": "date", "closes_on": "date"}, _grant_call_create),
    DateForm("grant_call_edit", "admin", {"opens_on": "date", "closes_on": "date"}, _grant_call_edit),
    DateForm("webinar_create", "admin", {"starts_at": "datetime", "ends_at": "datetime"}, _webinar_create),
    DateForm("webinar_edit", "admin", {"starts_at": "datetime", "ends_at": "datetime"}, _webinar_edit),
]


@pytest.fixture
def world():
    buyer = make_buyer()
    return {"buyer": buyer, "buyer_org": organisation_of(buyer), "admin": make_portal_admin()}


@pytest.mark.parametrize("case", DATE_FORMS, ids=lambda case: case.name)
def test_a_valid_submission_of_each_date_form_is_saved(client, world, case):
    """The data below is valid, so an error in the next test comes from the date alone."""
    url, data, snapshot = case.setup(world)
    client.force_login(world[case.role])
    before = snapshot()
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert snapshot() != before


@pytest.mark.parametrize("case", DATE_FORMS, ids=lambda case: case.name)
def test_a_date_out_of_range_is_a_field_error_and_nothing_is_saved(client, world, case):
    url, data, snapshot = case.setup(world)
    client.force_login(world[case.role])
    before = snapshot()
    for field, kind in case.fields.items():
        for value in EXTREME_DATES if kind == "date" else EXTREME_DATETIMES:
            response = client.post(url, {**data, field: value})
            assert response.status_code in (200, 400), f"{case.name} {field}={value}: {response.status_code}"
            errors = response.context["form"].errors.as_data()
            codes = [error.code for error in errors.get(field, [])]
            assert OUT_OF_RANGE in codes, f"{case.name} {field}={value}: {errors}"
            assert str(dates.out_of_range_message()) in response.content.decode()
            assert snapshot() == before, f"{case.name} {field}={value} was saved"


@pytest.mark.parametrize("case", DATE_FORMS, ids=lambda case: case.name)
def test_the_first_and_last_day_of_the_range_are_accepted(client, world, case):
    url, data, snapshot = case.setup(world)
    client.force_login(world[case.role])
    names = list(case.fields)
    first, last = names[0], names[-1]
    kind = case.fields[first]
    low, high = ("2000-01-01", "2100-12-31") if kind == "date" else ("2000-01-01T00:00", "2100-12-31T23:59")
    response = client.post(url, {**data, first: low, last: high} if first != last else {**data, first: low})
    assert response.status_code == 302, response.context["form"].errors


def test_a_need_accepts_the_first_and_last_day_for_its_planned_start(client, world):
    # The need forms have one date field: the generic test above sends only the first day.
    url, data, _snapshot = _need_create(world)
    client.force_login(world["buyer"])
    assert client.post(url, {**data, "planned_start": "2100-12-31"}).status_code == 302


def test_a_year_with_five_digits_is_a_field_error(client, world):
    url, data, snapshot = _call_create(world)
    client.force_login(world["buyer"])
    response = client.post(url, {**data, "opens_at": "99999-01-01T10:00", "closes_at": "99999-12-31T10:00"})
    errors = response.context["form"].errors
    assert response.status_code == 200 and errors["opens_at"] and errors["closes_at"]
    assert snapshot() == []


def test_date_pickers_offer_only_days_in_range(client, world):
    client.force_login(world["admin"])
    page = client.get(reverse("checks:call_create")).content.decode()
    assert 'min="2000-01-01"' in page and 'max="2100-12-31"' in page
    page = client.get(reverse("webinars:webinar_create")).content.decode()
    assert 'min="2000-01-01T00:00"' in page and 'max="2100-12-31T23:59"' in page


# --- the model fields (every ModelForm, the Django admin's included) ----------------------------------------------

MODEL_DATE_FIELDS = [
    (Need, "planned_start"),
    (Need, "published_at"),
    (Call, "opens_at"),
    (Call, "closes_at"),
    (Question, "answered_at"),
    (CallAlert, "sent_at"),
    (GrantCall, "opens_on"),
    (GrantCall, "closes_on"),
    (Application, "period_start"),
    (Application, "period_end"),
    (Webinar, "starts_at"),
    (Webinar, "ends_at"),
]


@pytest.mark.parametrize(("model", "name"), MODEL_DATE_FIELDS, ids=lambda x: getattr(x, "__name__", x))
def test_model_fields_refuse_dates_out_of_range(model, name):
    field = model._meta.get_field(name)
    stockholm = timezone.get_default_timezone()
    too_early = datetime(1, 1, 1, 0, 30, tzinfo=stockholm)
    too_late = datetime(2101, 1, 1, tzinfo=stockholm)
    for value in (too_early, too_late):
        value = value if field.get_internal_type() == "DateTimeField" else value.date()
        with pytest.raises(ValidationError) as error:
            field.run_validators(value)
        assert error.value.error_list[0].code == OUT_OF_RANGE


# --- the services refuse them too (they can be called from elsewhere than a form) -------------------------------

STOCKHOLM_YEAR_1 = datetime(1, 1, 1, 0, 30, tzinfo=timezone.get_default_timezone())


def test_need_services_refuse_a_planned_start_out_of_range(world):
    with pytest.raises(ServiceError) as error:
        project_services.create_need(
            organisation=world["buyer_org"],
            by=world["buyer"],
            **{**NEED_DATA, "planned_start": date(1999, 12, 31)},
            cpv_codes=[],
        )
    assert error.value.field == "planned_start"
    need = NeedFactory(organisation=world["buyer_org"])
    with pytest.raises(ServiceError) as error:
        project_services.update_need(
            need=need,
            by=world["buyer"],
            title=need.title,
            summary=need.summary,
            planned_start=date(2101, 1, 1),
            cpv_codes=[],
        )
    assert error.value.field == "planned_start"
    assert Need.objects.get().planned_start is None


def test_call_services_refuse_times_out_of_range(world):
    need = NeedFactory(organisation=world["buyer_org"])
    data = {**CALL_DATA, "opens_at": STOCKHOLM_YEAR_1, "closes_at": timezone.now() + timedelta(days=3)}
    with pytest.raises(ServiceError) as error:
        project_services.create_call(need=need, by=world["buyer"], **data)
    assert error.value.field == "opens_at" and not Call.objects.exists()
    call = draft_call(need=need)
    with pytest.raises(ServiceError) as error:
        project_services.update_call(
            call=call,
            by=world["buyer"],
            **{**CALL_DATA, "opens_at": call.opens_at, "verified_companies_only": False},
            closes_at=datetime(2101, 1, 1, tzinfo=timezone.get_default_timezone()),
        )
    assert error.value.field == "closes_at"


def test_grant_call_service_refuses_days_out_of_range(world):
    call = GrantCall(
        name="X", reference_number="2030-00002", description="D", opens_on=date(1, 1, 1), closes_on=date(2030, 1, 1)
    )
    with pytest.raises(ServiceError) as error:
        check_services.save_call(call=call, tracks=[], criteria=[], by=world["admin"])
    assert error.value.field == "opens_on" and not GrantCall.objects.exists()
    call.opens_on, call.closes_on = date(2030, 1, 1), date(9999, 12, 31)
    with pytest.raises(ServiceError) as error:
        check_services.save_call(call=call, tracks=[], criteria=[], by=world["admin"])
    assert error.value.field == "closes_on" and not GrantCall.objects.exists()


def test_application_services_refuse_a_period_out_of_range(world):
    call = make_call()
    with pytest.raises(ServiceError) as error:
        check_services.create_application(
            call=call,
            organisation=world["buyer_org"],
            by=world["buyer"],
            track=call.tracks.first(),
            contact=world["buyer"],
            title="T",
            period_start=date(1999, 12, 31),
            expertise=[],
            budget=[],
        )
    assert error.value.field == "period_start" and not Application.objects.exists()


def test_webinar_services_refuse_times_out_of_range(world):
    with pytest.raises(ServiceError) as error:
        webinar_services.create_webinar(
            by=world["admin"], title="W", starts_at=STOCKHOLM_YEAR_1, ends_at=timezone.now() + timedelta(days=1)
        )
    assert error.value.field == "starts_at" and not Webinar.objects.exists()
    webinar = WebinarFactory()
    with pytest.raises(ServiceError) as error:
        webinar_services.update_webinar(
            webinar=webinar, by=world["admin"], ends_at=datetime(2101, 1, 1, tzinfo=timezone.get_default_timezone())
        )
    assert error.value.field == "ends_at"


# --- on PostgreSQL the pages stay up after such an attempt --------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL stored year 1 as 1 BC")
def test_pages_still_answer_after_a_year_1_submission_on_postgresql(client, world):
    need = NeedFactory(organisation=world["buyer_org"])
    call = draft_call(need=need)
    client.force_login(world["buyer"])
    client.post(reverse("projects:call_create", args=[need.pk]), {**_call_data(), "opens_at": "0001-01-01T00:30"})
    client.post(reverse("projects:call_edit", args=[call.pk]), {**_call_data(), "opens_at": "0001-01-01T00:30"})
    client.post(reverse("projects:call_publish", args=[call.pk]))
    series = SeriesFactory()
    webinar = WebinarFactory(series=series)
    client.force_login(world["admin"])
    year_1 = {**_webinar_data(), "series": series.pk, "starts_at": "0001-01-01T00:30"}
    client.post(reverse("webinars:webinar_create"), year_1)
    client.post(reverse("webinars:webinar_edit", args=[webinar.pk]), year_1)
    pages = [
        (None, reverse("projects:call_list")),
        (None, reverse("projects:need_detail", args=[need.pk])),
        (None, reverse("webinars:list")),
        (None, reverse("webinars:detail", args=[webinar.pk])),
        (None, reverse("webinars:series_detail", args=[series.slug])),
        (None, reverse("webinars:series_feed", args=[series.slug])),
        (world["buyer"], reverse("projects:call_detail", args=[call.pk])),
        (world["buyer"], reverse("projects:call_edit", args=[call.pk])),
        (world["buyer"], reverse("portal:dashboard")),
        (world["admin"], reverse("webinars:manage")),
        (world["admin"], reverse("webinars:webinar_edit", args=[webinar.pk])),
        (world["admin"], reverse("portal:dashboard")),
    ]
    for user, url in pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(url).status_code == 200, url
    assert Call.objects.filter(opens_at__year__lt=2000).count() == 0
    assert Webinar.objects.filter(starts_at__year__lt=2000).count() == 0
