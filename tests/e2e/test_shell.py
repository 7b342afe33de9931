import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_and_switch_language(page, live_server, login):
    login(page)
    assert page.locator("h1").inner_text().startswith("Welcome")
    with page.expect_navigation():
        page.select_option("#language", "zh-hans")
    page.wait_for_load_state("load")
    assert "欢迎" in page.locator("h1").inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with page.expect_navigation():
        page.select_option("#language", "en")
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text().startswith("Welcome")
    # The strict CSP must not have blocked anything the page needs.
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_phone_layout_at_375px_has_no_sideways_scroll_and_a_working_menu(
    browser, live_server, login
):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    login(page)
    for path in ("/", "/jobs/", "/accounts/tokens/", "/audit/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    nav = page.locator("#main-nav")
    assert not nav.is_visible()
    page.click("[data-toggle=nav]")
    assert nav.is_visible()
    page.click("#main-nav >> text=Jobs")
    page.wait_for_url(f"{live_server.url}/jobs/")
    context.close()


def test_wrong_password_shows_an_error_and_stays_logged_out(page, live_server, make_user):
    user = make_user("member", password="right-Password-1")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.url.endswith("/accounts/login/")
    assert page.locator(".errorlist").count() >= 1
