"""The catalogue search on whichever database the suite uses: Swedish queries against a fixed catalogue, with the
exact hits expected (the same on SQLite and PostgreSQL), ranking by where the word is, and bad input."""

import pytest

from projects import selectors, services
from projects.analysis import matches

from .factories import CallFactory, NeedFactory

pytestmark = pytest.mark.django_db

NEEDS = {
    "sol": dict(
        title="Solceller på förskolornas tak",
        summary="Egen el till verksamheten.",
        category="energi",
        themes=["hallbarhet"],
    ),
    "ladd": dict(
        title="Laddstolpar för kommunens fordon",
        summary="Elbilar i hemtjänsten behöver laddas.",
        category="transport",
    ),
    "kam": dict(
        title="Trygghet i centrum",
        summary="Kameror vid busshållplatser.",
        category="ovrigt",
        themes=["sakerhet"],
    ),
    "hem": dict(
        title="Planering av Hemtjänst",
        summary="Schema för personalen.",
        problem="Solcellsdrivna cyklar till personalen?",
        category="vard",
    ),
    "tex": dict(title="Insamling av textil", summary="Vi vill samla in kläder.", category="atervinning"),
}
CALLS = {
    "solpanel": ("sol", dict(title="Solpaneler på taket", description="Vi söker lätta paneler.")),
    "kamera": ("kam", dict(title="Kamera för skolgårdar", description="Övervakning nattetid.")),
}


@pytest.fixture
def catalogue():
    needs = {key: NeedFactory(**{"themes": [], "problem": "", **fields}) for key, fields in NEEDS.items()}
    for need in needs.values():
        services.update_search_vectors(need=need)
    calls = {}
    for key, (need_key, fields) in CALLS.items():
        calls[key] = CallFactory(need=needs[need_key], **fields)
        services.update_search_vectors(call=calls[key])
    return needs, calls


def _hits(queryset, keys_by_pk):
    return {keys_by_pk[row.pk] for row in queryset}


@pytest.mark.parametrize(
    ("query", "needs", "calls"),
    [
        # Inflections: singular, plural, definite plural all find the same needs (compounds by their first part).
        ("solcell", {"sol", "hem"}, {"solpanel"}),
        ("solceller", {"sol", "hem"}, {"solpanel"}),
        ("solcellerna", {"sol", "hem"}, {"solpanel"}),
        ("laddstolpe", {"ladd"}, set()),
        ("laddstolpar", {"ladd"}, set()),
        ("LADDSTOLPARNA", {"ladd"}, set()),
        ("kamera", {"kam"}, {"kamera"}),
        ("kameror", {"kam"}, {"kamera"}),
        ("tak", {"sol"}, {"solpanel"}),
        ("taket", {"sol"}, {"solpanel"}),
        ("förskolor", {"sol"}, {"solpanel"}),
        ("elbil", {"ladd"}, set()),
        # Capitals and definite forms.
        ("HEMTJÄNST", {"ladd", "hem"}, set()),
        ("Hemtjänst", {"ladd", "hem"}, set()),
        ("hemtjänsten", {"ladd", "hem"}, set()),
        # Category and theme names in Swedish and in English.
        ("återvinning", {"tex"}, set()),
        ("ÅTERVINNING", {"tex"}, set()),
        ("recycling", {"tex"}, set()),
        ("energi", {"sol"}, {"solpanel"}),
        ("energy", {"sol"}, {"solpanel"}),
        ("hållbarhet", {"sol"}, {"solpanel"}),
        ("sustainability", {"sol"}, {"solpanel"}),
        ("säkerhet", {"kam"}, {"kamera"}),
        ("security", {"kam"}, {"kamera"}),
        ("vård och omsorg", {"hem"}, set()),
        # Every word must match (AND); a word found nowhere finds nothing.
        ("solceller tak", {"sol"}, {"solpanel"}),
        ("solceller personalen", {"hem"}, set()),
        ("laddstolpe kamera", set(), set()),
        ("ubåt", set(), set()),
        # Å, Ä and Ö are letters of their own: "tåk" is not "tak".
        ("tåk", set(), set()),
    ],
)
def test_search_finds_exactly(catalogue, query, needs, calls):
    need_rows, call_rows = catalogue
    need_keys = {need.pk: key for key, need in need_rows.items()}
    call_keys = {call.pk: key for key, call in call_rows.items()}
    found_needs = _hits(selectors.filter_needs(selectors.published_needs(), {"q": query}), need_keys)
    found_calls = _hits(selectors.filter_calls(selectors.public_calls(), {"q": query, "state": "all"}), call_keys)
    assert (found_needs, found_calls) == (needs, calls)
    # The database says what the one analysis says about the need's own texts (labels aside).
    for key, need in need_rows.items():
        own_text = " ".join([need.title, need.summary, need.problem])
        if matches(query, own_text):
            assert key in found_needs


def test_search_ranks_title_above_summary_above_body():
    body = NeedFactory(title="Skolskjuts", summary="Rutter.", problem="Laddstolpar saknas.")
    summary = NeedFactory(title="Parkering", summary="Laddstolpar saknas.", problem="Inget.")
    title = NeedFactory(title="Laddstolpar", summary="Vid rådhuset.", problem="Inget.")
    for need in (body, summary, title):
        services.update_search_vectors(need=need)
    ranked = list(selectors.filter_needs(selectors.published_needs(), {"q": "laddstolpe"}))
    assert ranked == [title, summary, body]
    assert ranked[0].rank > ranked[1].rank > ranked[2].rank


def test_search_ranks_call_title_above_description_above_questions():
    need = NeedFactory(title="Skolskjuts", summary="Rutter.")
    body = CallFactory(need=need, title="Dialog", description="Om rutter.", questions_to_market="Kameror?")
    summary = CallFactory(need=need, title="Möte", description="Kameror i bussar.", questions_to_market="")
    title = CallFactory(need=need, title="Kameror", description="I bussar.", questions_to_market="")
    for call in (body, summary, title):
        services.update_search_vectors(call=call)
    ranked = list(selectors.filter_calls(selectors.public_calls(), {"q": "kamera"}))
    assert ranked == [title, summary, body]


def test_search_follows_an_edited_need():
    need = NeedFactory(title="Solceller", summary="El.")
    services.update_search_vectors(need=need)
    call = CallFactory(need=need, title="Dialog", description="Om el.")
    services.update_search_vectors(call=call)
    services.update_need(need=need, by=need.author, title="Laddstolpar", summary="El.")
    assert list(selectors.filter_needs(selectors.published_needs(), {"q": "solcell"})) == []
    assert list(selectors.filter_needs(selectors.published_needs(), {"q": "laddstolpe"})) == [need]
    # A call is found by its need's words, so editing the need re-indexes its calls too.
    assert list(selectors.filter_calls(selectors.public_calls(), {"q": "laddstolpe"})) == [call]


BAD_QUERIES = [
    "!!!",
    "...,;:-",
    "x" * 10_000,
    "solcell " * 2_000,
    '"',
    '"solcell',
    "solcell*",
    "*",
    "( solcell",
    "solcell )",
    "solcell NEAR tak",
    "NEAR(solcell tak)",
    "solcell OR tak",
    "solcell AND tak",
    "solcell NOT tak",
    "-solcell",
    "title:solcell",
    "solcell:* & tak",
    "!solcell | tak <-> x",
    "sol\x00cell",
    "\x00",
    "солнце solcell 太阳能 ☀️",
    "ﷺ",
    "'; DROP TABLE projects_need; --",
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_search_survives_bad_input(catalogue, query):
    needs = list(selectors.filter_needs(selectors.published_needs(), {"q": query}))
    calls = list(selectors.filter_calls(selectors.public_calls(), {"q": query, "state": "all"}))
    assert len(needs) <= len(NEEDS) and len(calls) <= len(CALLS)


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("url", ["/needs/", "/calls/"])
def test_catalogue_pages_survive_bad_input(client, catalogue, url, query):
    response = client.get(url, {"q": query, "sort": "relevance"})
    assert response.status_code == 200


def test_catalogue_keeps_the_query_in_the_box(client, catalogue):
    response = client.get("/needs/", {"q": "solceller"})
    assert b'value="solceller"' in response.content


def test_page_without_hits_offers_the_search_without_filters(client, catalogue):
    response = client.get("/needs/", {"q": "solceller", "category": "it"})
    assert response.context["page_obj"].paginator.count == 0
    assert b'href="?q=solceller"' in response.content
    # Without filters there is nothing to remove.
    response = client.get("/needs/", {"q": "ubåt"})
    assert response.context["without_filters"] == ""


def test_call_page_without_hits_offers_calls_in_every_state(client, catalogue):
    response = client.get("/calls/", {"q": "solceller", "state": "cancelled"})
    assert response.context["without_filters"] == "q=solceller&state=all"
    assert client.get("/calls/", {"q": "ubåt", "state": "open"}).context["without_filters"] == ""


def test_catalogue_sorts(catalogue):
    needs, calls = catalogue
    from django.utils import timezone

    from projects.models import Call, Need

    Need.objects.filter(pk=needs["ladd"].pk).update(published_at=timezone.now() + timezone.timedelta(days=1))
    newest = list(selectors.filter_needs(selectors.published_needs(), {"q": "hemtjänst", "sort": "newest"}))
    assert newest == [needs["ladd"], needs["hem"]]
    Need.objects.filter(pk=needs["hem"].pk).update(published_at=timezone.now() + timezone.timedelta(days=2))
    newest = list(selectors.filter_needs(selectors.published_needs(), {"q": "hemtjänst", "sort": "newest"}))
    assert newest == [needs["hem"], needs["ladd"]]
    soon = timezone.now() + timezone.timedelta(days=3)
    Call.objects.filter(pk=calls["kamera"].pk).update(closes_at=soon)
    Call.objects.filter(pk=calls["solpanel"].pk).update(closes_at=soon + timezone.timedelta(days=1))
    closing = list(selectors.filter_calls(selectors.public_calls(), {"sort": "closing"}))
    assert closing == [calls["kamera"], calls["solpanel"]]
    Call.objects.filter(pk=calls["solpanel"].pk).update(closes_at=soon - timezone.timedelta(days=1))
    closing = list(selectors.filter_calls(selectors.public_calls(), {"sort": "closing"}))
    assert closing == [calls["solpanel"], calls["kamera"]]


def test_paging_keeps_query_filters_and_sort(client):
    for number in range(25):
        NeedFactory(title=f"Solceller {number}", category="energi")
    for need in selectors.published_needs():
        services.update_search_vectors(need=need)
    response = client.get("/needs/", {"q": "solcell", "category": "energi", "sort": "newest"})
    assert response.context["page_obj"].paginator.count == 25
    assert b'href="?q=solcell&amp;category=energi&amp;sort=newest&amp;page=2"' in response.content


def test_search_finds_cpv_labels_saved_in_the_admin():
    from django.contrib.admin.sites import site

    from projects.cpv import load_divisions
    from projects.models import CpvCode, Need

    load_divisions()
    need = NeedFactory(title="Nytt rådhus", summary="Planering.", themes=[], problem="")
    services.update_search_vectors(need=need)

    class Form:  # what the admin's change form hands to save_related
        instance = need

        def save_m2m(self):
            need.cpv_codes.set([CpvCode.objects.get(code="45000000")])

    site._registry[Need].save_related(None, Form(), [], True)
    for query in ("byggentreprenad", "construction", "45000000"):
        assert list(selectors.filter_needs(selectors.published_needs(), {"q": query})) == [need]
