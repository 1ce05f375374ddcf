"""Accessibility details of issue 17 in a browser, with axe on every page (the `ui` harness), in Swedish and
English: a compact header on a phone with the menu behind a button and no sideways scrolling at 320 px
(WCAG 1.4.10), the date picker's icon with the same focus ring as other controls (2.4.7), the "forgot
password" link at least 24×24 px (2.5.8), and the two-factor key as text with a copy button (progressive)
and a meaningful alternative for the QR code (1.1.1). The raw HTML of these pages is validated with the
others at the end of the run (conftest.py)."""

from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.sessions import sign_in
from tests.factories import BuyerFactory, UserFactory

PHONE = {"width": 375, "height": 812}
# Before the compact header, a signed-in buyer's header took 289 px of a 375×812 phone.
MAX_HEADER_HEIGHT = 160
FOCUS_COLOUR = "rgb(255, 191, 71)"  # --focus in static/css/portal.css
OUTLINE = "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor, s.outlineWidth]; }"


def _header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def _sideways_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_header_is_compact_on_a_phone_and_nothing_scrolls_sideways_at_320_px(ui):
    buyer = BuyerFactory()
    sign_in(ui.page.context, ui.base_url, buyer)
    page = ui.page
    page.set_viewport_size(PHONE)
    for language, menu, english_heading in (("sv", "Meny", None), ("en", "Menu", "Innovation procurement")):
        if language == "en":
            ui.submit(page.get_by_role("button", name="English"))
            assert page.locator("html").get_attribute("lang") == "en"
            expect(page.get_by_role("heading", level=1)).to_contain_text(english_heading)
        else:
            ui.goto("/")
            assert page.locator("html").get_attribute("lang") == "sv"
        assert _header_height(page) < MAX_HEADER_HEIGHT
        toggle = page.get_by_role("button", name=menu)
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#main-menu")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#main-menu").get_by_role("link").first).to_be_visible()
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()

        page.set_viewport_size({"width": 320, "height": 640})
        for path in ("/", reverse("projects:need_list"), reverse("webinars:list"), reverse("projects:need_create")):
            ui.goto(path)
            assert _sideways_overflow(page) <= 0, f"{path} scrolls sideways at 320 px"
            brand = page.locator(".brand")
            assert brand.evaluate("e => e.scrollWidth <= e.clientWidth")
        page.set_viewport_size(PHONE)
        ui.goto("/")

    # On a wide screen the menu is shown in full and the button is not there.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("#main-menu")).to_be_visible()


def test_site_name_breaks_between_the_parts_of_the_compound_at_320_px(ui):
    page = ui.page
    page.set_viewport_size({"width": 320, "height": 640})
    ui.goto("/")
    # Two lines, split where the soft hyphens are: "Innovationsupphandlings-" / "portalen".
    lines = page.locator(".brand").evaluate(
        """e => {
          const text = e.firstChild, range = document.createRange(), tops = new Map();
          for (let i = 0; i < text.length; i++) {
            range.setStart(text, i); range.setEnd(text, i + 1);
            const rects = range.getClientRects(), rect = rects[rects.length - 1];  // a break may start a range
            if (!rect || rect.width === 0) continue;
            const top = Math.round(rect.top);
            tops.set(top, (tops.get(top) || "") + text.data[i]);
          }
          return [...tops.values()];
        }"""
    )
    assert [line.replace("\u00ad", "") for line in lines] in (
        ["Innovationsupphandlings", "portalen"],
        ["Innovations", "upphandlings", "portalen"],
        ["Innovations", "upphandlingsportalen"],
    )


def test_date_picker_icon_gets_the_same_focus_ring(ui):
    buyer = BuyerFactory()
    sign_in(ui.page.context, ui.base_url, buyer)
    page = ui.goto(reverse("projects:need_create"))
    field = page.locator("input[type=date]").first
    field.focus()
    # Tab through the date's parts to the picker's icon: the field itself then matches neither :focus nor
    # :focus-visible, yet shows the ring.
    for _ in range(6):
        page.keyboard.press("Tab")
        on_icon = field.evaluate("e => document.activeElement === e && !e.matches(':focus')")
        if on_icon:
            break
    assert on_icon, "Tab never reached the date picker's icon"
    ring = field.evaluate(OUTLINE)
    assert ring == ["solid", FOCUS_COLOUR, "3px"]
    # The same ring as another control with keyboard focus.
    page.keyboard.press("Tab")
    other = page.evaluate(f"() => ({OUTLINE})(document.activeElement)")
    assert other == ring


def test_forgot_password_link_is_a_target_of_at_least_24_px(ui):
    for language, name in (("sv", "Glömt lösenordet?"), ("en", "Forgot your password?")):
        if language == "en":
            ui.submit(ui.page.get_by_role("button", name="English"))
        page = ui.goto("/accounts/login/")
        box = page.get_by_role("link", name=name).bounding_box()
        assert box["height"] >= 24 and box["width"] >= 24, box


def test_totp_setup_shows_the_key_as_text_with_a_copy_button(ui, browser, live_server):
    user = UserFactory(email="tvasteg@example.org")
    page = ui.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page.context, ui.base_url, user)
    ui.goto("/accounts/2fa/totp/activate/")
    # allauth asks for the password again before a change of security settings.
    ui.fill("Lösenord", "test-password-123")
    ui.submit(page.get_by_role("button", name="Verifiera"))
    assert page.url.endswith("/accounts/2fa/totp/activate/")
    expect(page.get_by_role("img")).to_have_attribute(
        "alt", "QR-kod för att lägga till kontot i en autentiseringsapp; ange nyckeln nedan om du inte kan skanna"
    )
    key = page.locator("code#totp-secret")
    secret = key.get_attribute("data-copy-value")
    assert len(secret) >= 16 and secret not in page.get_by_role("img").get_attribute("alt")
    assert key.inner_text().replace(" ", "").replace("\n", "") == secret
    assert [group.inner_text() for group in key.locator("span").all()][:2] == [secret[:4], secret[4:8]]
    # Selecting the text (triple click) selects the key itself: copying by hand gives the key without spaces.
    key.click(click_count=3)
    assert page.evaluate("window.getSelection().toString()").strip() == secret
    copy = page.get_by_role("button", name="Kopiera nyckeln")
    copy.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Nyckeln är kopierad.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    ui.audit()

    # Without JavaScript the key is still there as text; there is no button.
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    try:
        for cookie in page.context.cookies():
            context.add_cookies([cookie])
        plain = context.new_page()
        plain.goto(live_server.url + "/accounts/2fa/totp/activate/")
        expect(plain.locator("code#totp-secret")).to_be_visible()
        expect(plain.get_by_role("button", name="Kopiera nyckeln")).to_have_count(0)
        expect(plain.get_by_role("button", name="Aktivera")).to_be_visible()
    finally:
        context.close()
