import gettext
import json
import re

from django.utils import translation


def test_security_headers_and_strict_csp(owner_client):
    response = owner_client.get("/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "'nonce-" in script_src
    assert "style-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_script_tag_carries_the_nonce_and_no_inline_styles(owner_client):
    response = owner_client.get("/")
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
    assert " style=" not in html and "<style" not in html


def test_manifest_lets_a_phone_install_the_app(client):
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    assert client.get(manifest["icons"][0]["src"]).status_code == 200


def test_pages_render_in_chinese(owner_client):
    response = owner_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert "欢迎" in html and "退出" in html


def test_every_message_is_translated_to_chinese():
    from pathlib import Path

    import solocrm

    catalogues = sorted(Path(solocrm.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/*.po"))
    assert len(catalogues) >= 2
    for po in catalogues:
        text = po.read_text(encoding="utf-8")
        entries = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text)
        assert entries, po
        untranslated = [
            msgid for msgid, msgstr in entries if msgid.strip() != '""' and msgstr.strip() == '""'
        ]
        assert not untranslated, f"{po}: untranslated {untranslated[:5]}"
        assert "#, fuzzy\nmsgid" not in text, po
        with po.with_suffix(".mo").open("rb") as mo:
            compiled = gettext.GNUTranslations(mo)._catalog
        stale = [
            text
            for msgid, _msgstr in entries
            if (text := "".join(json.loads(part) for part in re.findall(r'".*"', msgid)))
            and text not in compiled
        ]
        assert not stale, f"{po}: compiled .mo lacks {stale[:5]} (run make messages)"
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") != "Log in"


def test_empty_jobs_page_tells_a_new_user_what_happens_there(owner_client):
    html = owner_client.get("/jobs/").content.decode()
    assert "No background jobs yet" in html
