"""Two tabs of one browser: switching organisation in one makes a form made for the old one refuse to save."""

from playwright.sync_api import expect

from portal.models import Membership, Organisation
from tests.e2e.sessions import sign_in
from tests.factories import OrganisationFactory, make_buyer, organisation_of


def _sign_in(context, base_url, user):
    sign_in(context, base_url, user)


def test_form_from_before_an_organisation_switch_in_another_tab_is_refused_and_saves_nothing(ui):
    user = make_buyer()
    kommun = organisation_of(user)
    kommun.name = "Alfakommun"
    kommun.save()
    company = OrganisationFactory(kind="company", name="Betaföretaget AB")
    Membership.objects.create(user=user, organisation=company, role="owner")
    _sign_in(ui.page.context, ui.base_url, user)

    # First tab: the buyer acts for the kommun (first by name); open its edit form.
    first = ui.goto(f"/organisations/{kommun.pk}/edit/")
    assert first.locator('input[name="acting_for"]').first.get_attribute("value") == str(kommun.pk)
    ui.fill("Namn", "Sparas inte")

    # Second tab, same browser (same session): act for the company instead.
    second = ui.page.context.new_page()
    second.goto(ui.url("/dashboard/"))
    with second.expect_navigation():
        second.get_by_role("button", name="Företräd Betaföretaget AB").click()
    expect(second.locator("body")).to_contain_text("Du företräder nu Betaföretaget AB.")

    # Back in the first tab: saving is refused with a page that says why.
    with first.expect_response(lambda response: response.request.method == "POST") as posted:
        ui.submit(first.get_by_role("button", name="Spara", exact=True))
    assert posted.value.status == 409
    expect(first.get_by_role("heading", level=1)).to_have_text("Organisationen har ändrats")
    expect(first.locator("body")).to_contain_text("Du bytte organisation i en annan flik; ladda om sidan.")
    assert Organisation.objects.get(pk=kommun.pk).name == "Alfakommun"

    # Reloading the page gives a form made for the organisation acted for now.
    ui.submit(first.get_by_role("link", name="Ladda om sidan"))
    assert first.url.endswith(f"/organisations/{kommun.pk}/edit/")
    assert first.locator('input[name="acting_for"]').first.get_attribute("value") == str(company.pk)
    second.close()
