import re
from pathlib import Path

from django.urls import reverse

import solocrm.customers

PO = Path(solocrm.customers.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_customer_messages_are_translated_to_chinese():
    text = PO.read_text(encoding="utf-8")
    entries = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text)
    assert len(entries) > 250
    untranslated = [m for m, s in entries if m.strip() != '""' and s.strip() == '""']
    assert untranslated == []
    assert "#, fuzzy\nmsgid" not in text


def test_customer_pages_render_in_chinese(owner_client, make_customer):
    customer = make_customer("张伟")
    page = owner_client.get(
        reverse("customers:customer_detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "记录一次互动" in page
    assert "联系方式" in page
    listing = owner_client.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "全部客户" in listing
