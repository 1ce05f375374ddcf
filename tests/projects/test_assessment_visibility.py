"""The market-gap assessment is internal; the buyer chooses what of each version is published with the need.

Per role (anonymous, another company, another buyer, a member of the buyer organisation) and per publish choice:
what of the assessment the need's page shows; that the catalogue search and the alerts find only the public
summary; that the forms say what becomes public.
"""

import pytest
from django.conf import settings
from django.urls import reverse

from portal.models import AuditEntry, Membership
from projects import selectors, services
from projects.forms import AssessmentForm, CallForm, NeedForm, QuestionForm
from projects.models import Call
from tests.factories import make_buyer, make_company_user, make_member, organisation_of

from .factories import AssessmentFactory, CallFactory, NeedFactory, profile

pytestmark = pytest.mark.django_db

INTERNAL_TEXTS = {
    "evidence": "Hemligbevis från leverantörsmöten",
    "sources_notes": "Anteckningskälla om samtal",
    "risks": "Riskpunkt om budgeten",
    "rationale": "Motiveringstext om förfarandet",
}
PUBLIC_SUMMARY = "Vi söker lösningar för publiksammanfattning."
CONCLUSION_LABEL = "Untested solutions exist (verify them)"
TRL_LABEL = "TRL 6 – technology demonstrated in relevant environment"


@pytest.fixture
def buyer_member():
    return make_buyer()


@pytest.fixture
def need(buyer_member):
    return NeedFactory(organisation=organisation_of(buyer_member), title="Behov med analys")


def _assess(need, **choices):
    return AssessmentFactory(
        need=need,
        version=need.assessments.count() + 1,
        conclusion="untested",
        trl=6,
        source_suppliers=True,
        suppliers_consulted=4,
        suggested_procedure="competitive_dialogue",
        chosen_procedure="innovation_partnership",
        author=None,
        **INTERNAL_TEXTS,
        **choices,
    )


def _viewers(buyer_member):
    other_buyer = make_buyer()
    colleague = make_member(organisation=organisation_of(buyer_member), role=Membership.Role.MEMBER)
    return {
        "anonymous": None,
        "company": make_company_user(),
        "other_buyer": other_buyer,
        "own_member": colleague,
        "own_owner": buyer_member,
    }


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _page(client, need, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    _english(client)
    response = client.get(reverse("projects:need_detail", args=[need.pk]))
    assert response.status_code == 200
    return response.content.decode()


CHOICES = {
    "nothing": {},
    "summary": {"public_summary": PUBLIC_SUMMARY},
    "conclusion": {"publish_conclusion": True},
    "trl": {"publish_trl": True},
    "all": {"public_summary": PUBLIC_SUMMARY, "publish_conclusion": True, "publish_trl": True},
}


@pytest.mark.parametrize("role", ["anonymous", "company", "other_buyer", "own_member", "own_owner"])
@pytest.mark.parametrize("choice", list(CHOICES))
def test_need_page_shows_the_assessment_by_role_and_publish_choice(client, buyer_member, need, role, choice):
    _english(client)
    _assess(need, **CHOICES[choice])
    user = _viewers(buyer_member)[role]

    page = _page(client, need, user)

    if role.startswith("own_"):
        # The organisation sees the whole assessment, and what of it is published.
        for text in INTERNAL_TEXTS.values():
            assert text in page, text
        assert CONCLUSION_LABEL in page and TRL_LABEL in page
        assert "Only your organisation sees the whole assessment." in page
        assert ("Nothing of the assessment is published." in page) is (choice == "nothing")
        return
    for text in INTERNAL_TEXTS.values():
        assert text not in page, text
    assert "Innovation partnership" not in page and "Competitive dialogue" not in page
    assert "4 suppliers consulted" not in page
    published = CHOICES[choice]
    assert (PUBLIC_SUMMARY in page) is ("public_summary" in published)
    assert (CONCLUSION_LABEL in page) is ("publish_conclusion" in published)
    assert (TRL_LABEL in page) is ("publish_trl" in published)
    assert ('id="assessment-heading"' in page) is (choice != "nothing")


def test_only_the_newest_version_decides_what_is_public(client, buyer_member, need):
    _english(client)
    _assess(need, public_summary="Den gamla publika texten.", publish_trl=True)
    _assess(need, publish_conclusion=True)

    public = _page(client, need, None)
    own = _page(client, need, buyer_member)

    assert "Den gamla publika texten." not in public
    assert CONCLUSION_LABEL in public and TRL_LABEL not in public
    # The organisation still sees the earlier version with what it published then.
    assert "Den gamla publika texten." in own and "1 earlier version" in own


def test_a_draft_need_shows_no_assessment_outside_the_organisation(client, buyer_member):
    need = NeedFactory(organisation=organisation_of(buyer_member), visibility="draft")
    _assess(need, public_summary=PUBLIC_SUMMARY, publish_conclusion=True, publish_trl=True)

    for user in (None, make_company_user(), make_buyer()):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert client.get(reverse("projects:need_detail", args=[need.pk])).status_code == 404


def test_record_assessment_stores_the_publish_choices_and_audits_them(buyer_member, need):
    assessment = services.record_assessment(
        need=need,
        by=buyer_member,
        conclusion="untested",
        evidence="Internt underlag.",
        trl=6,
        public_summary="  Till marknaden.  ",
        publish_trl=True,
    )

    assessment.refresh_from_db()
    assert (assessment.public_summary, assessment.publish_conclusion, assessment.publish_trl) == (
        "Till marknaden.",
        False,
        True,
    )
    entry = AuditEntry.objects.filter(action="need.assessed").get()
    assert entry.details["published"] == ["summary", "trl"]


def test_assessment_defaults_publish_nothing(buyer_member, need):
    assessment = services.record_assessment(
        need=need, by=buyer_member, conclusion="untested", evidence="Internt underlag.", trl=6
    )
    assert (assessment.public_summary, assessment.publish_conclusion, assessment.publish_trl) == ("", False, False)
    assert assessment.has_public_part is False


# --- search and alerts -------------------------------------------------------------------------------------------


def _search(query):
    return list(selectors.filter_needs(selectors.published_needs(), {"q": query}))


def _search_calls(query):
    return list(selectors.filter_calls(selectors.public_calls(), {"q": query, "state": "all"}))


def test_search_finds_the_public_summary_but_no_internal_word(buyer_member, need):
    call = CallFactory(need=need)
    services.record_assessment(
        need=need,
        by=buyer_member,
        conclusion="untested",
        evidence="Hemligbevis från leverantörsmöten.",
        sources_notes="Anteckningskälla om samtal.",
        risks="Riskpunkt om budgeten.",
        chosen_procedure="innovation_partnership",
        rationale="Motiveringstext om förfarandet.",
        trl=6,
        public_summary="Vi söker publiksammanfattning.",
    )

    assert _search("publiksammanfattning") == [need]
    assert _search_calls("publiksammanfattning") == [call]
    for word in ("hemligbevis", "anteckningskälla", "riskpunkt", "motiveringstext"):
        assert _search(word) == [], word
        assert _search_calls(word) == [], word


def test_a_new_version_without_a_summary_takes_the_old_summary_out_of_the_search(buyer_member, need):
    services.record_assessment(
        need=need, by=buyer_member, conclusion="untested", evidence="x", trl=6, public_summary="Ordetgammal finns."
    )
    assert _search("ordetgammal") == [need]

    services.record_assessment(need=need, by=buyer_member, conclusion="untested", evidence="x", trl=6)

    assert _search("ordetgammal") == []


def test_alerts_match_the_public_summary_but_not_internal_words(buyer_member, need):
    call = CallFactory(need=need)
    services.record_assessment(
        need=need,
        by=buyer_member,
        conclusion="untested",
        evidence="Hemligbevis.",
        trl=6,
        public_summary="Publiksammanfattning.",
    )
    call = Call.objects.get(pk=call.pk)
    listens_public = organisation_of(make_company_user())
    listens_internal = organisation_of(make_company_user())
    profile(listens_public, keywords="publiksammanfattning")
    profile(listens_internal, keywords="hemligbevis")

    matching = {p.organisation_id for p in selectors.profiles_matching(call)}

    assert matching == {listens_public.pk}


# --- the forms say what becomes public -------------------------------------------------------------------------


def test_need_form_marks_every_field_public_and_says_so_at_the_top(client, buyer_member):
    _english(client)
    client.force_login(buyer_member)
    page = client.get(reverse("projects:need_create")).content.decode()

    assert "Every field marked Public is shown on the need's page and in the catalogue" in page
    for name in NeedForm.Meta.fields:
        # Each field's help text starts with the marker and the field points to it.
        assert f'id="id_{name}_helptext"><strong class="status visibility-public">Public</strong>' in page, name
        assert f'aria-describedby="id_{name}_helptext"' in page, name


def test_assessment_form_marks_internal_and_public_fields(client, buyer_member, need):
    _english(client)
    client.force_login(buyer_member)
    page = client.get(reverse("projects:need_assess", args=[need.pk])).content.decode()

    assert "The assessment is internal: only your organisation sees it in the portal." in page
    assert "<legend>Published with the need</legend>" in page
    for name in ("conclusion", "evidence", "suppliers_consulted", "sources_notes", "trl", "risks", "rationale"):
        assert f'id="id_{name}_helptext"><strong class="status visibility-internal">Internal</strong>' in page, name
    for name in AssessmentForm.public_fields:
        assert f'id="id_{name}_helptext"><strong class="status visibility-public">Public</strong>' in page, name
        assert f'aria-describedby="id_{name}_helptext"' in page, name
    # The public choices come after every internal field, inside their own fieldset.
    assert page.index("<legend>Published with the need</legend>") > page.index('name="rationale"')


def test_assessment_form_saves_the_publish_choices(client, buyer_member, need):
    client.force_login(buyer_member)
    url = reverse("projects:need_assess", args=[need.pk])
    data = {
        "conclusion": "untested",
        "trl": "6",
        "evidence": "Internt.",
        "public_summary": "Till marknaden.",
        "publish_conclusion": "on",
        "save": "1",
    }

    assert client.post(url, data).status_code == 302

    assessment = need.assessments.get()
    assert (assessment.public_summary, assessment.publish_conclusion, assessment.publish_trl) == (
        "Till marknaden.",
        True,
        False,
    )
    # The next version starts from the current choices.
    form = client.get(url).context["form"]
    assert form.initial["public_summary"] == "Till marknaden." and form.initial["publish_conclusion"] is True


def test_call_form_says_everything_is_public(client, buyer_member, need):
    _english(client)
    client.force_login(buyer_member)
    page = client.get(reverse("projects:call_create", args=[need.pk])).content.decode()

    assert "Everything in this form, attachments included, is public once you publish the call" in page
    for name in CallForm.Meta.fields:
        assert f'id="id_{name}_helptext"><strong class="status visibility-public">Public</strong>' in page, name


def test_question_form_says_the_question_is_published_without_the_company_name(client):
    _english(client)
    call = CallFactory()
    client.force_login(make_company_user())
    page = client.get(reverse("projects:call_detail", args=[call.pk])).content.decode()

    assert (
        '<strong class="status visibility-public">Public</strong> At most 2 000 characters. The buyer reviews the '
        "question first; it is published with its answer for every company, without your company&#x27;s name."
    ) in page
    assert 'aria-describedby="id_text_helptext"' in page
    assert "text" in QuestionForm.base_fields


def test_markers_are_translated(client, buyer_member, need):
    client.force_login(buyer_member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = client.get(reverse("projects:need_assess", args=[need.pk])).content.decode()

    assert '<strong class="status visibility-internal">Internt</strong>' in page
    assert '<strong class="status visibility-public">Publiceras</strong>' in page
