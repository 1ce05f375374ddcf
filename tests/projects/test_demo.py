import io

import pytest
from django.core.management import call_command

from projects.models import Call, CpvCode, InterestProfile, MarketGapAssessment, Need, Question, Response


@pytest.mark.django_db
def test_seed_demo_covers_every_state_and_is_idempotent(monkeypatch, tmp_path):
    monkeypatch.setenv("CPV_DATA_FILE", str(tmp_path / "missing.json"))  # only the 45 divisions
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


@pytest.mark.django_db
def test_seed_demo_loads_the_whole_vocabulary_with_swedish_labels_when_the_files_are_there():
    from projects.cpv import default_cpv_path, default_cpv_sv_path

    if not (default_cpv_path().is_file() and default_cpv_sv_path().is_file()):
        pytest.skip("CPV data files not found")
    call_command("seed_demo", stdout=io.StringIO())
    count = CpvCode.objects.count()
    assert count > 9000
    assert CpvCode.objects.get(code="09331200").label_sv == "Solcellsmoduler"
    assert CpvCode.objects.get(code="45000000").label_sv == "Anläggningsarbete"  # the official label wins
    call_command("seed_demo", stdout=io.StringIO())
    assert CpvCode.objects.count() == count
