import io

import pytest
from django.core.management import call_command

from projects.models import Call, CpvCode, InterestProfile, MarketGapAssessment, Need, Question, Response


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = [
        m.objects.count() for m in (Need, Call, Response, Question, MarketGapAssessment, InterestProfile, CpvCode)
    ]
    call_command("seed_demo", stdout=io.StringIO())
    assert [
        m.objects.count() for m in (Need, Call, Response, Question, MarketGapAssessment, InterestProfile, CpvCode)
    ] == counts
    assert CpvCode.objects.count() == 45
    for buyer in ("Demo kommun", "Demo region"):
        needs = Need.objects.filter(organisation__name=buyer)
        assert set(needs.values_list("stage", flat=True)) == set(Need.Stage.values)
        assert set(needs.values_list("visibility", flat=True)) == set(Need.Visibility.values)
    assert set(MarketGapAssessment.objects.values_list("conclusion", flat=True)) == {
        "new_development",
        "untested",
        "other_market",
        "available",
    }
    assert set(Call.objects.values_list("status", flat=True)) == set(Call.Status.values)
    assert Call.objects.filter(status="draft", published_at__isnull=False).exists()  # scheduled
    for company in ("Demo Innovation AB", "Demo Startup AB"):
        statuses = set(Response.objects.filter(organisation__name=company).values_list("status", flat=True))
        assert statuses == set(Response.Status.values)
    assert Question.objects.filter(answered_at__isnull=True).exists()
    assert Question.objects.filter(answered_at__isnull=False).exists()
    assert InterestProfile.objects.count() == 2
