import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from solocrm.customers import search_index, services
from solocrm.customers.models import Customer
from solocrm.customers.selectors import customer_search


def names(user, q):
    return sorted(customer_search(user, q).values_list("name", flat=True))


@pytest.fixture
def people(owner, make_customer, make_company):
    acme = make_company("星辰贸易有限公司")
    zhang = make_customer(
        "张伟",
        phones=["+86 138 0013 8000"],
        emails=["zhang.wei@example.com"],
        data={"company": acme},
    )
    make_customer("张伟明", phones=["010-12345678"], data={"wechat_id": "zwm_1988"})
    make_customer("王芳", emails=["fang@qq.com"], phones=["(415) 555-2671"], phone_region="US")
    make_customer("Mary Smith", emails=["MARY@Example.org"])
    services.interaction_create(by=owner, customer=zhang, subject="报价", body="想要批发价格")
    return zhang


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张伟", ["张伟", "张伟明"]),  # two characters: below the trigram length
        ("张伟明", ["张伟明"]),
        ("伟", ["张伟", "张伟明"]),
        ("王芳", ["王芳"]),
        ("13800138000", ["张伟"]),
        ("+86 138 0013 8000", ["张伟"]),
        ("0013 8000", ["张伟"]),
        ("138-0013", ["张伟"]),
        ("8613800", ["张伟"]),
        ("010-1234", ["张伟明"]),
        ("12345678", ["张伟明"]),
        ("555-2671", ["王芳"]),
        ("4155552671", ["王芳"]),
        ("zwm_1988", ["张伟明"]),
        ("example", ["Mary Smith", "张伟"]),
        ("mary@example.org", ["Mary Smith"]),
        ("MARY smith", ["Mary Smith"]),
        ("星辰贸易", ["张伟"]),
        ("批发", ["张伟"]),
        ("批发价格", ["张伟"]),
        ("张伟 批发", ["张伟"]),
        ('"quoted', []),
        ("nobody-here", []),
    ],
)
def test_search_finds_by_every_kind_of_fragment(owner, people, query, expected):
    assert names(owner, query) == expected


def test_empty_query_lists_everyone(owner, people):
    assert len(names(owner, "  ")) == 4


def test_search_index_follows_every_write(owner, people):
    zhang = people
    assert names(owner, "newname") == []
    zhang = services.customer_update(customer=zhang, by=owner, data={"name": "Newname Zhang"})
    assert names(owner, "newname") == ["Newname Zhang"]
    assert names(owner, "张伟") == ["张伟明"]
    services.customer_update(customer=zhang, by=owner, phones=["139 1111 2222"])
    assert names(owner, "0013 8000") == []
    assert names(owner, "1391111") == ["Newname Zhang"]


def test_trashed_customers_are_not_found(owner, people):
    services.customer_delete(customer=people, by=owner)
    assert names(owner, "13800138000") == []


def test_search_respects_record_visibility(owner, member, limit_members, people, make_customer):
    make_customer("张伟强", by=member)
    assert names(member, "张伟") == ["张伟强"]
    assert names(owner, "张伟") == ["张伟", "张伟强", "张伟明"]


def test_viewer_search_and_anonymous_search(owner, viewer, people):
    from django.contrib.auth.models import AnonymousUser

    assert names(viewer, "王芳") == ["王芳"]
    assert names(AnonymousUser(), "王芳") == []


def fts_queries(user, q):
    """The full-text index queries one search runs (and its names)."""
    with CaptureQueriesContext(connection) as context:
        found = names(user, q)
    return [x["sql"] for x in context.captured_queries if search_index.FTS in x["sql"]], found


def test_the_database_full_text_index_is_in_place_and_serves_long_queries(owner, people):
    if connection.vendor == "sqlite":
        # Three characters and more, and two Chinese characters, go through the index;
        # a single character falls back to a scan.
        assert fts_queries(owner, "张伟明")[0] != []
        assert fts_queries(owner, "张伟")[0] != []
        assert fts_queries(owner, "伟") == ([], ["张伟", "张伟明"])
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [search_index.PG_INDEX]
            )
            (definition,) = cursor.fetchone()
        assert "gin_trgm_ops" in definition
    assert names(owner, "张伟明") == ["张伟明"]


def test_search_text_marks_each_pair_of_chinese_characters_for_the_index():
    text = search_index.search_text_for(name="张伟明", company_name="Acme 星辰", notes=["张伟"])
    mark = search_index.BIGRAM_MARK
    assert text == f"张伟明\nacme 星辰\n张伟\n张伟{mark} 伟明{mark} 星辰{mark}"
    assert search_index.search_text_for(name="Mary Smith") == "mary smith"


def test_each_form_of_a_phone_is_kept_once():
    text = search_index.search_text_for(
        name="张伟", phones=[("13800138000", "+8613800138000"), ("010-1234 5678", "+861012345678")]
    )
    lines = text.split("\n")
    assert lines.count("13800138000") == 1  # typed, digits and national forms coincide
    assert "8613800138000" in lines and "010-1234 5678" in lines and "01012345678" in lines


def test_the_mark_cannot_be_searched_for(owner, people):
    mark = search_index.BIGRAM_MARK
    assert search_index.search_terms(f"{mark} 张{mark}") == ["张"]
    assert names(owner, f"伟{mark}") == ["张伟", "张伟明"]


def test_two_latin_letters_fall_back_to_a_scan(owner, people):
    assert names(owner, "zw") == ["张伟明"]  # zwm_1988
    assert names(owner, "qq") == ["王芳"]


@pytest.mark.parametrize("candidates", [1, 5000])
def test_common_and_rare_terms_find_the_same_customers(
    owner, member, limit_members, people, make_customer, monkeypatch, candidates
):
    """More matches than CANDIDATES: filtered inside the list query, else by id list."""
    make_customer("张伟强", by=member, emails=["zwq@example.com"])
    monkeypatch.setattr(search_index, "CANDIDATES", candidates)
    assert names(owner, "example") == ["Mary Smith", "张伟", "张伟强"]
    assert names(owner, "张伟") == ["张伟", "张伟强", "张伟明"]
    assert names(owner, "张伟 example") == ["张伟", "张伟强"]
    assert names(member, "example") == ["张伟强"]
    assert names(member, "张伟") == ["张伟强"]
    inner = customer_search(owner, "张伟").values("pk")  # usable as a sub-select too
    assert sorted(Customer.objects.filter(pk__in=inner).values_list("name", flat=True)) == [
        "张伟", "张伟强", "张伟明"
    ]  # fmt: skip
    services.customer_delete(customer=people, by=owner)
    assert names(owner, "example") == ["Mary Smith", "张伟强"]


def test_the_search_index_survives_a_table_rebuild(owner, people):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in search_index.TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")  # what a table rebuild does
        assert search_index.ensure() is True
    # On PostgreSQL the trigram index lives on the table itself: nothing to repair.
    assert search_index.ensure() is False
    Customer.objects.filter(pk=people.pk).update(search_text="completely different")
    assert names(owner, "different") == ["张伟"]


def test_search_terms():
    assert search_index.search_terms(" +86 (138) 0013-8000 ") == ["8613800138000"]
    assert search_index.search_terms("张伟  批发") == ["张伟", "批发"]
    assert search_index.search_terms("12") == ["12"]
    assert search_index.search_terms("") == []


def api_pages(client, user, url):
    """Every page of an API list, following next_cursor; the names on each page."""
    from tests.customers.test_api import call

    pages, cursor = [], ""
    while True:
        body = call(client, "get", url + (f"&cursor={cursor}" if cursor else ""), user).json()
        pages.append([item["name"] for item in body["items"]])
        if not (cursor := body["next_cursor"]):
            return pages


def ui_names(client, user, url):
    """The customers a list page shows, in order (the text of the links to their pages)."""
    import html
    import re

    client.force_login(user)
    page = client.get(url).content.decode()
    links = re.findall(r'<a [^>]*href="/customers/\d+/"[^>]*>\s*([^<]+?)\s*</a>', page)
    return list(dict.fromkeys(html.unescape(text) for text in links))


@pytest.mark.parametrize("sort", ["name", "-name", "-created"])
def test_candidates_sorted_through_the_name_index_page_like_the_walk(
    client, owner, member, limit_members, people, make_customer, monkeypatch, sort
):
    """Candidates (≤ CANDIDATES) are sorted by name from NAME_INDEX on SQLite, read by id
    elsewhere; more matches walk the sort order's index. Same pages, cursors and limits."""
    for n, name in enumerate(["Amy Example", "bob example", "Émile Example", "赵 example"]):
        make_customer(name, emails=[f"person{n}@example.net"])
    make_customer("Zed Example", by=member, emails=["zed@example.net"])
    trashed = make_customer("Trashed Example", emails=["gone@example.net"])
    services.customer_delete(customer=trashed, by=owner)
    url = f"/api/v1/customers?q=example&limit=2&sort={sort}"
    monkeypatch.setattr(search_index, "CANDIDATES", 1)
    walked = api_pages(client, owner, url)
    walked_member = api_pages(client, member, url)
    walked_ui = ui_names(client, owner, f"/customers/?q=example&sort={sort}")
    monkeypatch.setattr(search_index, "CANDIDATES", 5000)
    with CaptureQueriesContext(connection) as queries:
        assert api_pages(client, owner, url) == walked
        assert ui_names(client, owner, f"/customers/?q=example&sort={sort}") == walked_ui
    indexed = [q for q in queries.captured_queries if search_index.NAME_INDEX in q["sql"]]
    if connection.vendor == "sqlite" and sort.lstrip("-") == "name":
        assert len(indexed) == len(walked) + 1  # an id query a page, through the index
    else:
        assert indexed == []
    shown = [name for page in walked for name in page]
    assert walked_ui == shown and len(shown) == 7 and "Trashed Example" not in shown
    if sort != "-created":
        assert shown == sorted(shown, reverse=sort == "-name")
    with CaptureQueriesContext(connection) as queries:
        assert api_pages(client, member, url) == walked_member == [["Zed Example"]]
    through_index = any(search_index.NAME_INDEX in q["sql"] for q in queries.captured_queries)
    assert through_index == (connection.vendor == "sqlite" and sort.lstrip("-") == "name")
    by_tier = f"/api/v1/customers?q=example&limit=2&sort={sort}&tier=vip"
    with CaptureQueriesContext(connection) as queries:  # a tier filter: the planner decides
        assert api_pages(client, owner, by_tier) == [[]]
    assert not any(search_index.NAME_INDEX in q["sql"] for q in queries.captured_queries)


def test_the_name_index_survives_a_table_rebuild(owner, people):
    if connection.vendor != "sqlite":
        assert search_index.ensure() is False
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {search_index.NAME_INDEX}")
    assert search_index.ensure() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [search_index.NAME_INDEX])
        assert cursor.fetchone() == (1,)
    assert search_index.ensure() is False
