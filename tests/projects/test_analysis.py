"""The one Swedish text analysis (projects/analysis.py)."""

import pytest

from projects import analysis


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("solceller", "Solcell på taket"),
        ("solcell", "RFI: solcellsdrivna laddstolpar med energilager"),
        ("laddstolpe", "RFI: solcellsdrivna laddstolpar med energilager"),
        ("kamera", "Nya kameror i trafiken"),
        ("HEMTJÄNST", "Digitala lås i hemtjänsten"),
        ("idé", "Idétävling om vatten"),
        ("solceller laddstolpe", "solcellsdrivna laddstolpar"),
    ],
)
def test_a_swedish_query_matches_its_inflections_compounds_and_capitals(query, text):
    assert analysis.matches(query, text)


@pytest.mark.parametrize(
    ("query", "text"),
    [("vindkraft", "solceller på taket"), ("solceller vind", "solcellsdrivna laddstolpar"), ("", "vad som helst")],
)
def test_a_query_whose_every_term_is_not_found_does_not_match(query, text):
    assert not analysis.matches(query, text)


def test_a_and_o_with_dots_stay_letters_of_their_own():
    assert analysis.fold("ÅÄÖÉ") == "åäöe"
    assert not analysis.matches("lass", "läs mer")


@pytest.mark.parametrize("query", ['" * ( ) NEAR OR AND -', "\x00\x00", "x" * 10_000, "!!!", "تست 試験 тест"])
def test_hostile_queries_give_a_few_plain_terms(query):
    result = analysis.query_terms(query)
    assert len(result) <= analysis.MAX_QUERY_TERMS
    assert all(term.isalnum() and len(term) <= analysis.MAX_TERM_LENGTH for term in result)
