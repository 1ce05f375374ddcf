"""A declared conflict of interest means it: the handler's scores stop counting everywhere, they cannot be
assigned, the other handlers see it, and only a portal admin lifts it, with a reason."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from checks import selectors, services
from checks.models import Application, ConflictOfInterest
from portal.audit import AuditAction
from portal.models import AuditEntry
from portal.services import InvalidTransition, ServiceError
from tests.factories import make_buyer, make_handler, make_portal_admin

from .factories import make_application

pytestmark = pytest.mark.django_db
S = Application.State


def score(application, handler, value):
    services.save_review(
        application=application,
        handler=handler,
        scores={c.pk: (value, "") for c in application.call.criteria.all()},
        recommendation="approve",
    )


@pytest.fixture
def scored():
    """An application in review scored 5 by one handler and 1 by another, who then declares a conflict."""
    application = make_application(state=S.IN_REVIEW)
    fair, conflicted = make_handler(email="fair@example.org"), make_handler(email="jav@example.org")
    score(application, fair, 5)
    score(application, conflicted, 1)
    assert selectors.average_score(application) == Decimal("3.00")
    conflict = services.declare_conflict(handler=conflicted, reason="Min syster arbetar där", application=application)
    return application, fair, conflicted, conflict


def test_a_conflict_takes_the_handlers_scores_out_of_every_average_and_the_export(scored):
    application, fair, _conflicted, _conflict = scored
    call = application.call

    assert selectors.average_score(application) == Decimal("5.00")
    assert [review.handler for review in selectors.reviews_of(application)] == [fair]
    queued = selectors.review_queue(fair).get(pk=application.pk)
    assert (queued.average_score, queued.review_count) == (Decimal("5.00"), 1)
    overview = selectors.call_overview(call)
    assert overview.average == Decimal("5.00")
    assert [float(average) for _criterion, average in overview.criterion_averages] == [5.0, 5.0]
    _criteria, rows = selectors.export_table(call)
    assert rows[0][9:13] == [1, Decimal("5.00"), Decimal("5.00"), Decimal("5.00")]


def test_an_organisation_wide_conflict_counts_for_every_application_of_the_organisation():
    application = make_application(state=S.IN_REVIEW)
    conflicted = make_handler()
    score(application, conflicted, 2)
    services.declare_conflict(handler=conflicted, reason="Tidigare anställd", organisation=application.organisation)

    assert selectors.average_score(application) is None
    assert list(selectors.reviews_of(application)) == []


def test_the_handler_with_a_conflict_is_not_offered_assign_to_me_and_the_service_refuses(client, scored):
    application, fair, conflicted, _conflict = scored
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(conflicted)
    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()
    assert "Tilldela mig" not in page
    assert f'<option value="{conflicted.pk}"' not in page

    response = client.post(reverse("checks:assign", args=[application.pk]), {"me": "1"}, follow=True)

    assert "Handläggaren har anmält jäv för ansökan." in response.content.decode()
    application.refresh_from_db()
    assert application.assigned_to is None
    with pytest.raises(ServiceError):
        services.assign_application(application=application, handler=conflicted, by=fair)
    client.force_login(fair)
    assert "Tilldela mig" in client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()


def test_the_other_handlers_see_who_declared_when_and_why(client, scored):
    application, fair, conflicted, conflict = scored
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(fair)

    page = client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()

    assert '<h2 id="conflicts-heading">Jäv</h2>' in page
    assert f"{conflicted} anmälde jäv {timezone.localtime(conflict.created_at):%Y-%m-%d %H:%M}:" in page
    assert "Min syster arbetar där" in page
    assert "Häv jävet" not in page  # only a portal admin lifts it


def test_a_portal_admin_lifts_a_conflict_with_a_reason_and_it_is_audited(client, scored):
    application, _fair, conflicted, conflict = scored
    admin = make_portal_admin()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    client.force_login(admin)
    url = reverse("checks:lift_conflict", args=[application.pk, conflict.pk])
    assert "Häv jävet" in client.get(reverse("checks:review_detail", args=[application.pk])).content.decode()

    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400 and "Detta fält måste fyllas i." in empty.content.decode()
    response = client.post(url, {"reason": "Systern har slutat"}, follow=True)

    assert response.status_code == 200
    assert "Jävet är hävt." in response.content.decode()
    conflict.refresh_from_db()
    assert not conflict.is_active and conflict.lifted_by == admin and conflict.lift_reason == "Systern har slutat"
    entry = AuditEntry.objects.get(action=AuditAction.CONFLICT_LIFTED)
    assert entry.details == {"conflict": conflict.pk, "handler": conflicted.pk}
    assert selectors.average_score(application) == Decimal("3.00")
    assert "Systern har slutat" in response.content.decode()
    services.assign_application(application=application, handler=conflicted, by=admin)


def test_a_lifted_conflict_cannot_be_lifted_again(client, scored):
    application, _fair, _conflicted, conflict = scored
    admin = make_portal_admin()
    services.lift_conflict(conflict=conflict, by=admin, reason="Utrett")
    with pytest.raises(InvalidTransition):
        services.lift_conflict(conflict=conflict, by=admin, reason="Igen")
    client.force_login(admin)

    response = client.post(reverse("checks:lift_conflict", args=[application.pk, conflict.pk]), {"reason": "Igen"})

    assert response.status_code == 302
    assert ConflictOfInterest.objects.get().lift_reason == "Utrett"


@pytest.mark.parametrize("role", ["conflicted", "other_handler", "buyer"])
def test_nobody_but_a_portal_admin_lifts_a_conflict(client, scored, role):
    application, fair, conflicted, conflict = scored
    user = {"conflicted": conflicted, "other_handler": fair, "buyer": make_buyer()}[role]
    client.force_login(user)

    response = client.post(reverse("checks:lift_conflict", args=[application.pk, conflict.pk]), {"reason": "Nej"})

    assert response.status_code == 403
    assert ConflictOfInterest.objects.get().is_active
    with pytest.raises(ServiceError, match="Bara en portaladministratör"):
        services.lift_conflict(conflict=conflict, by=user, reason="Nej")
