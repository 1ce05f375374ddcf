"""Browser flow, with axe on every page: a buyer saves a market-gap assessment and chooses what of it is
published; a visitor sees only that on the need's page."""

from playwright.sync_api import expect

from projects.models import MarketGapAssessment
from tests.e2e.labels import label
from tests.factories import make_buyer, organisation_of
from tests.projects.factories import NeedFactory

PASSWORD = "test-password-123"


def test_buyer_publishes_a_summary_and_the_trl_a_visitor_sees_only_those(ui):
    buyer = make_buyer(email="analys@kommun.example.se")
    need = NeedFactory(organisation=organisation_of(buyer), title="Laddning vid förskolor")

    page = ui.goto("/accounts/login/")
    page.locator("#id_login").fill(buyer.email)
    page.locator("#id_password").fill(PASSWORD)
    ui.submit(page.get_by_role("button", name="Logga in", exact=True))
    ui.goto(f"/needs/{need.pk}/assessment/")
    expect(page.locator("body")).to_contain_text("Marknadsanalysen är intern")
    page.get_by_label("Lösningar finns på en annan marknad (behöver anpassas)").check()
    ui.fill("Underlag", "Tre leverantörer i Norge, internt underlag.")
    page.get_by_label(label("Bedömd TRL")).select_option("7")
    public = page.get_by_role("group", name="Publiceras med behovet")
    public.get_by_label("Sammanfattning för marknaden").fill("Vi söker laddlösningar som finns i Norden.")
    public.get_by_label("publicera den bedömda TRL-nivån", exact=False).check()
    ui.submit(page.get_by_role("button", name="Spara marknadsanalysen"))
    assessment = MarketGapAssessment.objects.get(need=need)
    assert (assessment.public_summary, assessment.publish_conclusion, assessment.publish_trl) == (
        "Vi söker laddlösningar som finns i Norden.",
        False,
        True,
    )
    expect(page.locator("body")).to_contain_text("Tre leverantörer i Norge, internt underlag.")
    ui.submit(page.get_by_role("button", name="Logga ut"))

    ui.goto(f"/needs/{need.pk}/")
    section = page.get_by_role("region", name="Marknadsanalys")
    expect(section).to_contain_text("Vi söker laddlösningar som finns i Norden.")
    expect(section).to_contain_text("TRL 7")
    expect(page.locator("body")).not_to_contain_text("internt underlag")
    expect(page.locator("body")).not_to_contain_text("Lösningar finns på en annan marknad")
