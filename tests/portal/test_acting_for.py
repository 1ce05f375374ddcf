"""Forms say which organisation the page was made for; a POST for another one is refused (409)."""

import re

import pytest
from django.urls import reverse

from portal.models import Membership
from tests.factories import OrganisationFactory, make_buyer, make_portal_admin, organisation_of

pytestmark = pytest.mark.django_db

ACTING_FOR_RE = re.compile(r'<input type="hidden" name="acting_for" value="(\d+)">')


def _owner_of_two():
    user = make_buyer()
    first = organisation_of(user)
    second = OrganisationFactory(kind="company", name="Andra AB")
    Membership.objects.create(user=user, organisation=second, role="owner")
    return user, first, second


def _edit(client, organisation, acting_for, name):
    data = {
        "kind": organisation.kind,
        "name": name,
        "org_number": organisation.org_number,
        "address": "",
        "website": "",
    }
    if acting_for is not None:
        data["acting_for"] = acting_for
    return client.post(reverse("portal:organisation_edit", args=[organisation.pk]), data)


def test_every_csrf_token_carries_the_organisation_the_page_is_for(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": second.pk})
    content = client.get(reverse("portal:organisation_edit", args=[second.pk])).content.decode()
    csrf_inputs = content.count('name="csrfmiddlewaretoken"')
    assert csrf_inputs >= 2  # the page's form plus the language switch and logout in the header
    assert ACTING_FOR_RE.findall(content) == [str(second.pk)] * csrf_inputs


def test_a_visitor_and_a_user_without_organisation_get_no_acting_for(client):
    assert "acting_for" not in client.get(reverse("account_login")).content.decode()
    client.force_login(make_portal_admin())
    content = client.get(reverse("portal:organisation_create")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in content
    assert "acting_for" not in content


def test_post_for_the_organisation_acted_for_is_saved(client):
    user, first, _second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": first.pk})
    response = _edit(client, first, str(first.pk), "Nytt namn")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.name == "Nytt namn"


def test_post_after_switching_organisation_in_another_tab_is_refused_and_changes_nothing(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": first.pk})
    form_page = client.get(reverse("portal:organisation_edit", args=[first.pk])).content.decode()
    acting_for = ACTING_FOR_RE.search(form_page).group(1)
    client.post(reverse("portal:organisation_switch"), {"organisation": second.pk})  # the other tab

    response = _edit(client, first, acting_for, "Ska inte sparas")

    assert response.status_code == 409
    content = response.content.decode()
    assert "Du bytte organisation i en annan flik; ladda om sidan." in content
    assert "Inget sparades." in content
    assert "Du företräder nu Andra AB." in content
    first.refresh_from_db()
    assert first.name != "Ska inte sparas"
    assert client.session["active_organisation_id"] == second.pk


def test_the_refusal_page_is_in_english_too(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    client.post(reverse("portal:organisation_switch"), {"organisation": second.pk})
    response = _edit(client, second, str(first.pk), "X")
    assert response.status_code == 409
    assert "You switched organisation in another tab; reload the page." in response.content.decode()


def test_post_for_an_organisation_one_has_left_is_refused_and_changes_nothing(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": first.pk})
    Membership.objects.filter(user=user, organisation=first).delete()

    # The form was made for the first; the session now falls back to the second.
    response = _edit(client, second, str(first.pk), "Ska inte sparas")

    assert response.status_code == 409
    assert "Du tillhör inte längre organisationen som sidan gällde" in response.content.decode()
    second.refresh_from_db()
    assert second.name == "Andra AB"


def test_post_with_acting_for_after_leaving_every_organisation_is_refused(client):
    user = make_buyer()
    organisation = organisation_of(user)
    client.force_login(user)
    Membership.objects.filter(user=user).delete()
    response = _edit(client, organisation, str(organisation.pk), "Ska inte sparas")
    assert response.status_code == 409
    organisation.refresh_from_db()
    assert organisation.name != "Ska inte sparas"


def test_forged_acting_for_value_is_refused_not_a_500(client):
    user, first, _second = _owner_of_two()
    client.force_login(user)
    response = _edit(client, first, "not-a-number", "Ska inte sparas")
    assert response.status_code == 409


def test_refusal_offers_to_reload_the_page_the_form_was_on_but_never_another_host(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": second.pk})
    edit_url = reverse("portal:organisation_edit", args=[first.pk])
    response = client.post(edit_url, {"name": "X", "acting_for": first.pk}, HTTP_REFERER=f"http://testserver{edit_url}")
    assert f'href="http://testserver{edit_url}"' in response.content.decode()
    response = client.post(edit_url, {"name": "X", "acting_for": first.pk}, HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()
    assert f'href="{reverse("portal:dashboard")}"' in response.content.decode()


def test_choosing_an_organisation_works_from_a_page_made_for_another(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": second.pk})
    response = client.post(reverse("portal:organisation_switch"), {"organisation": first.pk, "acting_for": second.pk})
    assert response.status_code == 302
    assert client.session["active_organisation_id"] == first.pk


def test_language_switch_and_account_pages_are_not_refused(client):
    user, first, second = _owner_of_two()
    client.force_login(user)
    client.post(reverse("portal:organisation_switch"), {"organisation": second.pk})
    stale = str(first.pk)
    response = client.post(reverse("portal:set_language"), {"language": "en", "next": "/", "acting_for": stale})
    assert response.status_code == 302
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "test-password-123",
            "password1": "a-new-password-2026",
            "password2": "a-new-password-2026",
            "acting_for": stale,
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-password-2026")


def test_django_admin_forms_carry_acting_for_and_still_save(client):
    admin = make_portal_admin()
    organisation = OrganisationFactory(name="Gammalt namn")
    Membership.objects.create(user=admin, organisation=organisation, role="member")
    other = OrganisationFactory(kind="company")
    Membership.objects.create(user=admin, organisation=other, role="member")
    client.force_login(admin)
    client.post(reverse("portal:organisation_switch"), {"organisation": organisation.pk})
    url = reverse("admin:portal_organisation_changelist")
    content = client.get(url).content.decode()
    assert ACTING_FOR_RE.search(content).group(1) == str(organisation.pk)
    # Switched in another tab: the admin acts for no organisation, so its forms are not refused.
    client.post(reverse("portal:organisation_switch"), {"organisation": other.pk})
    response = client.post(reverse("admin:logout"), {"acting_for": organisation.pk})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
