"""A number taken by someone else: the rightful organisation disputes it, a portal admin gives it back; and the
owner of another organisation answers a request to join. Every page is checked with axe."""

from portal.models import IdentityDispute, JoinRequest, Membership, Organisation
from tests.e2e.sessions import sign_in
from tests.factories import UserFactory, make_company_user, make_portal_admin, organisation_of


def test_a_taken_number_is_disputed_and_given_back_by_an_admin(ui):
    squatter = organisation_of(make_company_user(status=Organisation.Status.PENDING, email="kapare@example.se"))
    claimant = UserFactory(email="vd@riktiga.example.se")
    sign_in(ui.page.context, ui.base_url, claimant)

    page = ui.goto("/organisations/new/")
    page.get_by_label("Företag").check()
    ui.fill("Namn", "Riktiga AB")
    ui.fill("Organisationsnummer", squatter.org_number)
    ui.submit(page.get_by_role("button", name="Registrera"))
    assert "redan registrerat" in page.content()
    ui.submit(page.get_by_role("link", name="Bestrid numret"))
    assert page.locator("#id_name").input_value() == "Riktiga AB"
    ui.fill("Varför numret tillhör er organisation", "Jag är vd; utdrag ur Bolagsverkets register finns.")
    ui.submit(page.get_by_role("button", name="Skicka bestridandet"))
    dispute = IdentityDispute.objects.get()

    sign_in(ui.page.context, ui.base_url, make_portal_admin(email="admin@verket.example.se"))
    page = ui.goto("/staff/organisations/")
    ui.submit(page.get_by_role("link", name="Bestridda organisationsnummer (1)"))
    ui.submit(page.get_by_role("link", name=dispute.org_number))
    page.get_by_label("Bifall", exact=False).check()
    ui.fill("Skäl", "Bolagsverkets register visar Riktiga AB.")
    ui.submit(page.get_by_role("button", name="Besluta och meddela båda parter"))
    dispute.refresh_from_db()
    assert dispute.status == IdentityDispute.Status.UPHELD
    assert Organisation.objects.get(org_number=dispute.org_number).name == "Riktiga AB"
    ui.assert_all_audited()


def test_an_owner_accepts_a_request_to_join(ui):
    owner = make_company_user(email="agare@bolag.example.se")
    organisation = organisation_of(owner)
    asker = UserFactory(email="kollega@bolag.example.se")
    sign_in(ui.page.context, ui.base_url, asker)
    page = ui.goto(f"/organisations/join/?org_number={organisation.org_number}")
    ui.fill("Meddelande till ägarna", "Jag är ny ekonomichef.")
    ui.submit(page.get_by_role("button", name="Be att få gå med"))
    join_request = JoinRequest.objects.get()

    sign_in(ui.page.context, ui.base_url, owner)
    page = ui.goto(f"/organisations/{organisation.pk}/")
    ui.submit(page.get_by_role("link", name="kollega@bolag.example.se"))
    assert "Jag är ny ekonomichef." in page.content()
    ui.submit(page.get_by_role("button", name="Godkänn"))
    assert Membership.objects.filter(user=asker, organisation=organisation).exists()
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED
    ui.assert_all_audited()
