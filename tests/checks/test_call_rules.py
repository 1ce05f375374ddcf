"""A published call's rules hold once an application has left the draft state (services.save_call), a track's
cap never exceeds the call's budget, and the call shows one status everywhere (GrantCall.phase)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from checks import services
from checks.models import Application, GrantCall
from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.services import ServiceError
from tests.factories import make_handler, make_portal_admin

from .factories import make_application, make_call

pytestmark = pytest.mark.django_db
S = Application.State
TRACK_FIELDS = ("id", "name", "description", "cap_one", "cap_two_or_more", "position")
CRITERION_FIELDS = ("id", "name", "description", "weight", "position")


def track_rows(call, **changes):
    """The call's tracks as the form sends them; `changes` maps a row index to the fields it changes."""
    rows = [{k: getattr(t, k) for k in TRACK_FIELDS} | {"row": i} for i, t in enumerate(call.tracks.all())]
    for index, values in changes.items():
        rows[int(index.removeprefix("row"))].update(values)
    return rows


def criterion_rows(call, **changes):
    rows = [{k: getattr(c, k) for k in CRITERION_FIELDS} | {"row": i} for i, c in enumerate(call.criteria.all())]
    for index, values in changes.items():
        rows[int(index.removeprefix("row"))].update(values)
    return rows


def save(call, *, tracks=None, criteria=None, by=None):
    return services.save_call(
        call=call,
        tracks=track_rows(call) if tracks is None else tracks,
        criteria=criterion_rows(call) if criteria is None else criteria,
        by=by or make_portal_admin(),
    )


def refusal(call, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as error:
        save(call, **kwargs)
    return error.value


# --- Tracks and caps -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.WITHDRAWN])
def test_a_cap_cannot_be_lowered_once_an_application_left_the_draft_state(state):
    application = make_application(state=state, amount=150_000)
    call = application.call

    error = refusal(call, tracks=track_rows(call, row0={"cap_one": 100_000}))

    assert error.field == "tracks-0-cap_one"
    assert (
        error.message == "Ansökningar har kommit in: takbeloppet kan höjas men inte sänkas under 200\u00a0000\u00a0kr."
    )
    assert call.tracks.get(name="Beslutsunderlag").cap_one == 200_000
    assert not AuditEntry.objects.filter(action=AuditAction.GRANTCALL_CHANGED).exists()


def test_a_draft_alone_does_not_fix_the_rules_and_a_published_call_audits_the_change():
    application = make_application(state=S.DRAFT)
    call = application.call
    assert not call.has_fixed_rules

    save(call, tracks=track_rows(call, row0={"cap_one": 100_000}))

    assert call.tracks.get(name="Beslutsunderlag").cap_one == 100_000
    entry = AuditEntry.objects.get(action=AuditAction.TRACK_CAP_CHANGED)
    assert entry.details == {
        "track": call.tracks.get(name="Beslutsunderlag").pk,
        "field": "cap_one",
        "old": 200_000,
        "new": 100_000,
    }


def test_the_cap_for_two_or_more_competences_cannot_be_lowered_or_cleared():
    call = make_application(state=S.SUBMITTED, track_index=1).call

    lowered = refusal(call, tracks=track_rows(call, row1={"cap_two_or_more": 300_000}))
    cleared = refusal(call, tracks=track_rows(call, row1={"cap_two_or_more": None}))

    assert lowered.field == cleared.field == "tracks-1-cap_two_or_more"
    assert "inte sänkas under 400\u00a0000\u00a0kr" in lowered.message
    assert call.tracks.get(name="Pågående upphandling").cap_two_or_more == 400_000


def test_no_track_can_be_removed_not_even_one_without_applications():
    call = make_application(state=S.SUBMITTED, track_index=0).call

    error = refusal(call, tracks=track_rows(call, row1={"delete": True}))

    assert error.field == "tracks-1-DELETE"
    assert error.message == "Ansökningar har kommit in under det här spåret, så det kan inte tas bort."
    assert call.tracks.count() == 2


def test_raising_a_cap_and_adding_a_track_are_allowed_and_audited_with_the_values():
    call = make_application(state=S.IN_REVIEW).call
    first = call.tracks.get(name="Beslutsunderlag")
    new_track = {"name": "Nytt spår", "description": "", "cap_one": 300_000, "cap_two_or_more": None, "position": 5}

    save(call, tracks=[*track_rows(call, row0={"cap_one": 250_000}), new_track])

    first.refresh_from_db()
    assert first.cap_one == 250_000
    raised = AuditEntry.objects.get(action=AuditAction.TRACK_CAP_CHANGED)
    assert raised.details == {"track": first.pk, "field": "cap_one", "old": 200_000, "new": 250_000}
    added = AuditEntry.objects.get(action=AuditAction.TRACK_ADDED)
    assert added.details == {
        "track": call.tracks.get(name="Nytt spår").pk,
        "cap_one": 300_000,
        "cap_two_or_more": None,
    }
    assert AuditEntry.objects.filter(action=AuditAction.GRANTCALL_CHANGED).count() == 1


@pytest.mark.parametrize("published", [True, False])
def test_a_cap_can_never_exceed_the_calls_budget(published):
    call = make_call(published=published, total_budget=300_000)

    error = refusal(call, tracks=track_rows(call, row1={"cap_two_or_more": 400_001}))

    assert error.field == "tracks-1-cap_two_or_more"
    assert (
        error.message
        == "Ett spårs takbelopp får inte vara högre än utlysningens totala budget på 300\u00a0000\u00a0kr."
    )


def test_a_lower_budget_is_checked_against_the_caps_typed_with_it():
    call = make_call()
    call.total_budget = 150_000

    error = refusal(call)

    assert error.field == "tracks-0-cap_one"
    assert GrantCall.objects.get(pk=call.pk).total_budget == 1_000_000


# --- Criteria ------------------------------------------------------------------------------------------------------


def test_a_criterion_cannot_be_removed_or_reweighted_once_applications_are_submitted():
    call = make_application(state=S.SUBMITTED).call

    removed = refusal(call, criteria=criterion_rows(call, row1={"delete": True}))
    reweighted = refusal(call, criteria=criterion_rows(call, row0={"weight": 2}))

    assert removed.field == "criteria-1-DELETE"
    assert reweighted.field == "criteria-0-weight"
    assert reweighted.message == "Ansökningar har kommit in: vikten kan inte ändras (den är fortsatt 3)."
    assert sorted(call.criteria.values_list("weight", flat=True)) == [1, 3]


def test_a_criterion_can_be_added_until_the_first_review_and_is_audited():
    application = make_application(state=S.IN_REVIEW)
    call = application.call
    new = {"name": "Spridning", "description": "", "weight": 2, "position": 9, "row": 2}

    save(call, criteria=[*criterion_rows(call), new])

    added = call.criteria.get(name="Spridning")
    assert AuditEntry.objects.get(action=AuditAction.CRITERION_ADDED).details == {"criterion": added.pk, "weight": 2}
    services.save_review(
        application=application,
        handler=make_handler(),
        scores={c.pk: (4, "") for c in call.criteria.all()},
        recommendation="approve",
    )

    error = refusal(call, criteria=[*criterion_rows(call), {**new, "name": "Till", "row": 3}])

    assert error.field == "criteria-3-name"
    assert error.message == "Ansökningar har redan poängsatts: inga fler bedömningskriterier kan läggas till."
    assert call.criteria.count() == 3


# --- The admin's form ----------------------------------------------------------------------------------------------


def form_data(call, **overrides):
    data = {
        "name": call.name,
        "reference_number": call.reference_number,
        "description": call.description,
        "opens_on": call.opens_on.isoformat(),
        "closes_on": call.closes_on.isoformat(),
        "total_budget": str(call.total_budget),
        "tracks-TOTAL_FORMS": "2",
        "tracks-INITIAL_FORMS": "2",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "2",
    }
    for i, track in enumerate(call.tracks.all()):
        data |= {f"tracks-{i}-{k}": "" if getattr(track, k) is None else str(getattr(track, k)) for k in TRACK_FIELDS}
    for i, criterion in enumerate(call.criteria.all()):
        data |= {f"criteria-{i}-{k}": str(getattr(criterion, k)) for k in CRITERION_FIELDS}
    return data | overrides


def test_the_admins_form_refuses_a_lower_cap_next_to_the_field_and_keeps_what_was_typed(client):
    call = make_application(state=S.SUBMITTED).call
    client.force_login(make_portal_admin())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"

    response = client.post(
        reverse("checks:call_edit", args=[call.pk]),
        form_data(call, **{"tracks-0-cap_one": "100000", "tracks-0-name": "Nytt namn"}),
    )

    assert response.status_code == 400
    row = response.context["tracks"].forms[0]
    assert row.errors["cap_one"] == [
        "Ansökningar har kommit in: takbeloppet kan höjas men inte sänkas under 200\u00a0000\u00a0kr."
    ]
    html = response.content.decode()
    assert 'value="100000"' in html and 'value="Nytt namn"' in html
    assert "Ansökningar har kommit in i utlysningen" in html
    assert call.tracks.get(pk=row.initial.get("id") or row.cleaned_data["id"]).cap_one == 200_000


def test_the_admins_form_raises_a_cap(client):
    call = make_application(state=S.SUBMITTED).call
    client.force_login(make_portal_admin())

    response = client.post(
        reverse("checks:call_edit", args=[call.pk]), form_data(call, **{"tracks-0-cap_one": "250000"})
    )

    assert response.status_code == 302
    assert call.tracks.get(name="Beslutsunderlag").cap_one == 250_000


@pytest.mark.parametrize("role", ["handler", "buyer"])
def test_only_a_portal_admin_changes_a_calls_rules(client, role):
    from tests.factories import make_buyer

    call = make_application(state=S.SUBMITTED).call
    client.force_login(make_handler() if role == "handler" else make_buyer())

    response = client.post(reverse("checks:call_edit", args=[call.pk]), form_data(call, **{"tracks-0-cap_one": "1"}))

    assert response.status_code == 403
    assert call.tracks.get(name="Beslutsunderlag").cap_one == 200_000


# --- One status for the call ---------------------------------------------------------------------------------------


def test_the_admins_list_shows_the_same_status_as_the_public_pages(client):
    closed = make_call(open_=False, name="Stängd utlysning")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    assert closed.phase == GrantCall.Phase.CLOSED
    public = client.get(reverse("checks:call_detail", args=[closed.pk])).content.decode()
    client.force_login(make_portal_admin())

    admin_list = client.get(reverse("checks:admin_call_list")).content.decode()

    assert '<span class="status">Stängd</span>' in public
    assert '<span class="status">Stängd</span>' in admin_list
    assert "Publicerad" not in admin_list


def test_every_phase_of_a_call():
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    assert make_call(published=False).phase == GrantCall.Phase.DRAFT
    assert make_call().phase == GrantCall.Phase.OPEN
    assert make_call(open_=False).phase == GrantCall.Phase.CLOSED
    later = make_call(opens_on=today + datetime.timedelta(days=3), closes_on=today + datetime.timedelta(days=9))
    assert later.phase == GrantCall.Phase.SCHEDULED


def test_the_django_admin_cannot_change_a_calls_tracks_or_criteria_once_its_rules_hold(rf):
    from django.contrib import admin

    from checks.admin import CriterionInline, TrackInline

    request = rf.get("/")
    request.user = make_portal_admin(is_superuser=True)
    fixed = make_application(state=S.SUBMITTED).call
    open_ = make_call()
    for inline in (TrackInline(GrantCall, admin.site), CriterionInline(GrantCall, admin.site)):
        assert not inline.has_add_permission(request, fixed)
        assert not inline.has_change_permission(request, fixed)
        assert not inline.has_delete_permission(request, fixed)
        assert inline.has_change_permission(request, open_) and inline.has_add_permission(request, open_)


def test_the_audit_log_shows_cap_changes_in_the_swedish_format(client):
    """The caps in the log's description are amounts as everywhere else ("250 000 kr"), not bare numbers."""
    call = make_application(state=S.IN_REVIEW).call
    first = call.tracks.get(name="Beslutsunderlag")
    new_track = {"name": "Nytt spår", "description": "", "cap_one": 300_000, "cap_two_or_more": None, "position": 5}

    with translation.override("sv"):
        save(call, tracks=[*track_rows(call, row0={"cap_one": 250_000}), new_track])
        raised = AuditEntry.objects.get(action=AuditAction.TRACK_CAP_CHANGED)
        added = AuditEntry.objects.get(action=AuditAction.TRACK_ADDED)

        assert raised.rendered_description() == (
            f"Spår #{first.pk}, takbelopp för en extern kompetens: 200\u00a0000\u00a0kr → 250\u00a0000\u00a0kr"
        )
        assert added.rendered_description() == f"Spår #{added.details['track']}: takbelopp 300\u00a0000\u00a0kr / –"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(make_portal_admin())
    page = client.get(reverse("portal:audit_log"), {"action": "grantcall"}).content.decode()
    assert "takbelopp för en extern kompetens: 200&nbsp;000&nbsp;kr → 250&nbsp;000&nbsp;kr" in page.replace(
        "\u00a0", "&nbsp;"
    )
