"""Interest-profile keywords match a call exactly when the catalogue search for the keyword would find it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from projects import analysis, services
from projects.models import Call
from projects.search_text import AnalysedText, call_text, keyword_terms
from projects.selectors import apply_search, matching_open_calls, profiles_matching
from tests.factories import OrganisationFactory, make_buyer, make_company_user, organisation_of

from .factories import CallFactory, NeedFactory, draft_call, profile

pytestmark = pytest.mark.django_db

ISSUE_TITLE = "RFI: solcellsdrivna laddstolpar med energilager"


def _publish(title, **need_kwargs):
    buyer = make_buyer()
    defaults = {"category": "ovrigt", "themes": [], "title": "Laddning", "summary": "Laddning för bilar"}
    need = NeedFactory(organisation=organisation_of(buyer), **(defaults | need_kwargs))
    call = draft_call(need=need, title=title, description="Vi vill veta mer.", opens_at=timezone.now() - timedelta(1))
    services.publish_call(call=call, by=buyer)
    return call


def test_the_issues_example_mails_the_company(django_capture_on_commit_callbacks):
    company = make_company_user()
    profile(organisation_of(company), keywords="solceller, laddstolpe")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(ISSUE_TITLE)
    assert [m.to for m in mail.outbox] == [[company.email]]


def test_a_keyword_the_search_would_not_find_mails_nobody(django_capture_on_commit_callbacks):
    company = make_company_user()
    profile(organisation_of(company), keywords="vindkraft")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(ISSUE_TITLE)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("keywords", "matches"),
    [
        ("solceller, laddstolpe", True),
        ("solceller", True),
        ("vindkraft", False),
        ("vindkraft\nenergi", True),  # one keyword per line; the second begins "energilager"
        ("vindkraft; solcell", True),
        ("LADDSTOLPAR", True),
        ("solceller vindkraft", False),  # every term of one keyword must be found
        ("energy", False),  # not a label of the need's category "Other"
        ("övrigt", True),  # the category's Swedish label
        ("other", True),  # and its English one
        ("frågor", True),  # questions to the market
        ("problembeskrivning", True),  # the need's problem description
        (", ,", False),
        ("", False),
    ],
)
def test_keywords_follow_the_search_rule(keywords, matches):
    need = NeedFactory(category="ovrigt", themes=[], problem="En problembeskrivning.")
    call = CallFactory(need=need, title=ISSUE_TITLE, questions_to_market="Vilka frågor har ni?")
    services.update_search_vectors(call=call)  # as the services that save a call do
    call.refresh_from_db()
    company = OrganisationFactory(kind="company")
    profile(company, keywords=keywords)
    found = company.pk in [p.organisation_id for p in profiles_matching(call)]
    assert found is matches
    # The same answer as the catalogue search itself, on whichever database the suite runs.
    separated = keywords.replace(";", ",").replace("\n", ",").split(",")
    catalogue = any(apply_search(Call.objects.filter(pk=call.pk), k).exists() for k in separated if k.strip())
    assert found is catalogue


def test_theme_labels_in_both_languages_are_part_of_the_call_text():
    need = NeedFactory(category="energi", themes=["resiliens"])
    text = call_text(CallFactory(need=need))
    for word in ("Energi", "Energy", "Resiliens", "Resilience"):
        assert text.matches_terms(analysis.query_terms(word)), word


def test_the_analysed_text_agrees_with_the_analysis():
    text = "Solcellsdrivna laddstolpar med energilager, idé och HEMTJÄNST"
    analysed = AnalysedText(text)
    for query in ("sol", "solceller", "laddstolpe", "ide", "hemtjänst", "hem lad", "vind", "s", "energilagret"):
        assert analysed.matches_terms(analysis.query_terms(query)) is analysis.matches(query, text), query
    assert keyword_terms("solceller, , laddstolpe\nx") == (("solcell",), ("laddstolp",))


def test_matching_open_calls_uses_the_search_rule():
    company = make_company_user()
    profile(organisation_of(company), keywords="laddstolpe")
    call = CallFactory(title=ISSUE_TITLE)
    CallFactory(title="Vindkraft till havs")
    assert matching_open_calls(organisation_of(company)) == [call]
