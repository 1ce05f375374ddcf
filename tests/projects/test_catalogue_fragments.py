"""The needs catalogue's kept parts (projects/catalogue.py): fresh exactly when their data changes, per language,
with nothing personal in them, and no new entry for a crafted query string; and the quick select (projects/forms.py)
writes exactly the HTML of Django's templates.

The page cache is off here (`uncached_pages`) or the user is signed in (never page-cached): what is tested is the
catalogue's own fragments."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django import forms
from django.http import QueryDict
from django.test import Client
from django.utils import timezone, translation

from portal.models import Organisation
from projects import catalogue
from projects import services as project_services
from projects.forms import CallFilterForm, KeptOptions, NeedFilterForm, QuickSelect
from projects.models import Need
from tests.factories import OrganisationFactory, make_buyer, make_company_user, organisation_of
from tests.projects.factories import CallFactory, NeedFactory
from tests.webinars.factories import RegistrationFactory, WebinarFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uncached_pages")]


@pytest.fixture(autouse=True)
def _empty_process_copies():
    catalogue._local.clear()
    catalogue._forms.clear()


@pytest.fixture
def company_client():
    client = Client()
    client.force_login(make_company_user())
    return client


def _page(client, path="/needs/", language="sv") -> str:
    client.cookies["django_language"] = language
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _kept_entries() -> list[str]:
    """Everything the catalogue keeps in this process (the same entries as in the shared cache, and the forms)."""
    return [str(value) for value in catalogue._local.entries.values()] + [
        str(value) for value in catalogue._forms.entries.values()
    ]


def test_a_published_and_an_edited_need_show_at_once(company_client):
    buyer = make_buyer()
    NeedFactory(title="Belysning i parken")
    need = NeedFactory(organisation=organisation_of(buyer), title="Vätgas för bussar", visibility=Need.Visibility.DRAFT)
    assert "Vätgas för bussar" not in _page(company_client)
    assert "Belysning i parken" in _page(company_client)  # from the kept rows now

    project_services.set_need_visibility(need=need, by=buyer, visibility=Need.Visibility.PUBLISHED)
    page = _page(company_client)
    assert "Vätgas för bussar" in page and "2 behov" in page

    need.refresh_from_db()
    need.title = "Vätgas för färjor"
    need.save()
    page = _page(company_client)
    assert "Vätgas för färjor" in page and "Vätgas för bussar" not in page


def test_a_published_and_an_edited_call_show_at_once(company_client):
    need = NeedFactory(title="Sensorer i vattenverket")
    assert "Sensorer i vattenverket" not in _page(company_client, "/needs/?calls=open")

    call = CallFactory(need=need)
    assert "Sensorer i vattenverket" in _page(company_client, "/needs/?calls=open")

    call.closes_at = timezone.now() - timedelta(hours=1)
    call.save()
    assert "Sensorer i vattenverket" not in _page(company_client, "/needs/?calls=open")
    assert "Sensorer i vattenverket" in _page(company_client, "/needs/?calls=closed")


def test_a_call_whose_closing_time_passes_leaves_the_open_filter_without_a_write(company_client, monkeypatch):
    CallFactory(need=NeedFactory(title="Återbruk av möbler"), closes_at=timezone.now() + timedelta(hours=1))
    assert "Återbruk av möbler" in _page(company_client, "/needs/?calls=open")
    assert "Återbruk av möbler" in _page(company_client, "/needs/?calls=open")  # kept

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Återbruk av möbler" not in _page(company_client, "/needs/?calls=open")
    assert "Återbruk av möbler" in _page(company_client, "/needs/?calls=closed")


def test_the_rows_are_kept_per_language(client):
    NeedFactory(title="Digitala lås", stage=Need.Stage.NEED, category="it")
    with translation.override("sv"):
        swedish = str(Need.Stage.NEED.label)
    with translation.override("en"):
        english = str(Need.Stage.NEED.label)
    assert swedish != english
    for first, second in (("sv", "en"), ("en", "sv")):
        catalogue._local.clear()
        _page(client, language=first)
        page = _page(client, language=second)
        shown, other = (english, swedish) if second == "en" else (swedish, english)
        assert f"· {shown} ·" in page and f"· {other} ·" not in page


def test_nothing_personal_is_kept_and_a_visitor_gets_no_ones_header(company_client, client):
    NeedFactory(title="Ventilation i skolor")
    user = company_client.get("/dashboard/").wsgi_request.user
    company_name = organisation_of(user).name
    signed_in = _page(company_client)
    assert user.email in signed_in  # the header is the user's own ...
    visitor = _page(client)  # ... and a visitor's page, from the same kept parts, has none of it
    assert "Ventilation i skolor" in visitor
    assert user.email not in visitor and company_name not in visitor
    kept = _kept_entries()
    assert any("Ventilation i skolor" in entry for entry in kept)
    assert not any(user.email in entry or company_name in entry or "csrfmiddlewaretoken" in entry for entry in kept)


def test_an_unrelated_write_leaves_the_kept_parts(company_client, django_assert_num_queries):
    call = CallFactory()
    webinar = WebinarFactory()
    _page(company_client)  # the writes above are made stale again when this first request ends
    _page(company_client)
    # The signed-in user with their organisation, groups, 2FA and memberships; nothing of the page.
    with django_assert_num_queries(1):
        _page(company_client)
    RegistrationFactory(webinar=webinar)
    company_client.get("/healthz")  # the end of a request: families written are made stale again then
    with django_assert_num_queries(1):
        _page(company_client)
    assert call.pk


def _kept_keys(kind: str) -> list[str]:
    return [key for key in catalogue._local.entries if key.startswith(f"catalogue:{kind}:")]


def test_a_crafted_query_string_makes_no_new_shared_entry(client):
    NeedFactory(title="Solceller på taket", category="it")
    _page(client)  # the write above is made stale again when this first request ends
    catalogue._local.clear()
    for n in range(20):
        _page(client, f"/needs/?category=it&x{n}=1&theme=nonsense{n}&page=1")
        _page(client, f"/needs/?category=it&stage=junk{n}&organisation={n + 100000}&page={n + 2}&q=")
        _page(client, f"/needs/?category=it&q=SOLCELLER%20%20{'%20' * n}&calls=sometimes")
        _page(client, f"/needs/?q=solceller&category=it&page=x{n}")
    # A count and a page of rows for the filter, a count for the search whatever its spelling (no hits here: the
    # search index is filled by the services, not by the factory); none for the hostile parameters, the pages that
    # are not there or the values the form refuses.
    assert len(_kept_keys("count")) == 2
    assert len(_kept_keys("rows")) == 1
    assert len(_kept_keys("publisher-options")) == 1


def test_a_page_past_the_end_shares_the_last_page(client):
    for _ in range(3):
        NeedFactory()
    _page(client)
    catalogue._local.clear()
    for page in ("2", "99", "x", "-1", "1"):
        assert "3 behov" in _page(client, f"/needs/?page={page}")
    assert len(_kept_keys("rows")) == 1


def _template_select(bound) -> str:
    """What Django's own Select renders (its templates) for the same field, value and attributes."""
    plain = forms.Select(attrs=bound.field.widget.attrs)
    plain.choices = bound.field.widget.choices
    return bound.as_widget(widget=plain)


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"theme": "hallbarhet", "category": "it", "cpv_division": "45", "stage": "need", "sort": "newest"},
        {"theme": "nonsense", "organisation": "x", "calls": "open", "state": "all", "kind": "rfi"},
        {"organisation": "ORG", "sort": '<b>&"'},
    ],
)
def test_the_quick_select_writes_what_djangos_templates_write(language, data):
    odd = OrganisationFactory(name="Kommun <&> \"Ö\" 'x'", kind=Organisation.Kind.PUBLIC_BODY)  # all escaped
    NeedFactory(organisation=odd)
    NeedFactory()
    publishers = list(Organisation.objects.filter(kind=Organisation.Kind.PUBLIC_BODY).values_list("pk", "name"))
    if data and data.get("organisation") == "ORG":
        data = {**data, "organisation": str(odd.pk)}
    data = None if data is None else QueryDict(urlencode(data))
    with translation.override(language):
        for form in (
            NeedFilterForm(data, organisations=Organisation.objects.all(), organisation_choices=publishers),
            NeedFilterForm(
                data, organisations=Organisation.objects.all(), organisation_choices=KeptOptions(publishers)
            ),
            NeedFilterForm(data, organisations=Organisation.objects.all()),
            CallFilterForm(data, organisations=Organisation.objects.all()),
        ):
            for bound in form:
                widget = bound.field.widget
                if not isinstance(widget, QuickSelect):
                    continue
                QuickSelect._rendered.clear()
                quick = str(bound)
                again = str(bound)  # from the process's copy
                assert quick == again == _template_select(bound), bound.name
    assert "Kommun &lt;&amp;&gt; &quot;Ö&quot; &#x27;x&#x27;" in str(
        NeedFilterForm(None, organisations=Organisation.objects.all(), organisation_choices=publishers)["organisation"]
    )


def test_kept_options_are_used_as_they_are_and_check_values_as_a_list_does():
    NeedFactory()
    publishers = list(Organisation.objects.filter(kind=Organisation.Kind.PUBLIC_BODY).values_list("pk", "name"))
    options = KeptOptions(publishers)
    form = NeedFilterForm(None, organisations=Organisation.objects.all(), organisation_choices=options)
    assert form.fields["organisation"].widget.choices.choices is options  # not copied into a new list
    assert list(form.fields["organisation"].widget.choices)[1:] == publishers
    for value in [str(publishers[0][0]), "0", "x"]:
        data = QueryDict(urlencode({"organisation": value}))
        kept = NeedFilterForm(data, organisations=Organisation.objects.all(), organisation_choices=options)
        listed = NeedFilterForm(data, organisations=Organisation.objects.all(), organisation_choices=publishers)
        assert kept.is_valid() == listed.is_valid() == (value == str(publishers[0][0]))
        assert kept.errors == listed.errors
