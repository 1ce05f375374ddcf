import pytest

from projects.models import Conclusion, Procedure
from projects.procedures import RULES, TrlBand, suggest_procedure, trl_band

# One row for every conclusion × TRL band, tested at both ends of each band.
EXPECTED = [
    (Conclusion.NEW_DEVELOPMENT, (1, 4), Procedure.PCP),
    (Conclusion.NEW_DEVELOPMENT, (5, 6), Procedure.INNOVATION_PARTNERSHIP),
    (Conclusion.NEW_DEVELOPMENT, (7, 9), Procedure.COMPETITIVE_DIALOGUE),
    (Conclusion.UNTESTED, (1, 4), Procedure.PCP),
    (Conclusion.UNTESTED, (5, 6), Procedure.INNOVATION_PARTNERSHIP),
    (Conclusion.UNTESTED, (7, 9), Procedure.FUNCTIONAL),
    (Conclusion.OTHER_MARKET, (1, 4), Procedure.INNOVATION_PARTNERSHIP),
    (Conclusion.OTHER_MARKET, (5, 6), Procedure.COMPETITIVE_DIALOGUE),
    (Conclusion.OTHER_MARKET, (7, 9), Procedure.FUNCTIONAL),
    (Conclusion.AVAILABLE, (1, 4), Procedure.ORDINARY),
    (Conclusion.AVAILABLE, (5, 6), Procedure.ORDINARY),
    (Conclusion.AVAILABLE, (7, 9), Procedure.ORDINARY),
]


@pytest.mark.parametrize(("conclusion", "trls", "procedure"), EXPECTED)
def test_suggest_procedure_for_conclusion_and_trl_band(conclusion, trls, procedure):
    for trl in trls:
        suggestion = suggest_procedure(conclusion=conclusion, trl=trl)
        assert suggestion.procedure == procedure
        assert len(str(suggestion.reason)) > 40


def test_every_combination_has_a_rule_and_a_test():
    bands = [TrlBand.LOW, TrlBand.MIDDLE, TrlBand.HIGH]
    assert set(RULES) == {(c, b) for c in Conclusion for b in bands}
    assert len(EXPECTED) == len(RULES)


def test_available_with_low_trl_explains_the_contradiction():
    low = suggest_procedure(conclusion=Conclusion.AVAILABLE, trl=2)
    high = suggest_procedure(conclusion=Conclusion.AVAILABLE, trl=9)
    assert str(low.reason) != str(high.reason)
    assert "TRL" in str(low.reason)


@pytest.mark.parametrize(
    ("trl", "band"), [(1, "low"), (4, "low"), (5, "middle"), (6, "middle"), (7, "high"), (9, "high")]
)
def test_trl_band_boundaries(trl, band):
    assert trl_band(trl) == band


@pytest.mark.parametrize(("conclusion", "trl"), [("unknown", 3), (Conclusion.UNTESTED, 0), (Conclusion.UNTESTED, 10)])
def test_suggest_procedure_rejects_unknown_input(conclusion, trl):
    with pytest.raises(ValueError, match="No rule"):
        suggest_procedure(conclusion=conclusion, trl=trl)
