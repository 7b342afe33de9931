from django.db import connection
from django.test.utils import CaptureQueriesContext

from solocrm.customers import services
from solocrm.customers.duplicates import (
    duplicate_pair_scores,
    find_duplicates_for,
    with_customers,
)


def test_same_email_differently_cased_is_found(make_customer):
    ann = make_customer("Ann Lee", emails=["ann.lee@example.com"])
    matches = find_duplicates_for(name="Someone", emails=[" Ann.Lee@EXAMPLE.com"])
    assert [(m.customer, m.score, m.reason) for m in matches] == [
        (ann, 100, "same email ann.lee@example.com")
    ]


def test_same_phone_in_another_format_is_found(make_customer):
    wang = make_customer("王芳", phones=["138 0013 8000"])
    matches = find_duplicates_for(name="Fang Wang", phones=["+86 (138) 0013-8000"])
    assert [(m.customer, m.score) for m in matches] == [(wang, 95)]
    assert matches[0].reason == "same phone +8613800138000"


def test_same_chinese_name_in_the_same_city_is_found(make_customer):
    beijing = make_customer("张伟", data={"city": "北京"})
    make_customer("张伟", data={"city": "上海"})
    make_customer("张玮", data={"city": "北京"})
    matches = find_duplicates_for(name="张 伟", city="北京")
    assert [(m.customer, m.score) for m in matches] == [(beijing, 80)]


def test_reversed_name_at_the_same_company_is_found(make_customer, make_company):
    acme = make_company("Acme")
    zhang = make_customer("Zhang Wei", data={"company": acme})
    make_customer("Zhang Wei")  # no company, no city: not evidence enough
    matches = find_duplicates_for(name="wei ZHANG", company_id=acme.pk)
    assert [(m.customer, m.score) for m in matches] == [(zhang, 90)]


def test_different_people_are_not_flagged(make_customer, make_company):
    acme = make_company("Acme")
    make_customer("John Smith", emails=["john@acme.cn"], data={"company": acme, "city": "Paris"})
    assert find_duplicates_for(name="Jane Smith", company_id=acme.pk, city="Paris") == []
    assert find_duplicates_for(name="John Smith", emails=["jane@acme.cn"]) == []


def test_the_record_being_edited_and_trashed_records_are_left_out(owner, make_customer):
    ann = make_customer("Ann Lee", emails=["ann@x.cn"])
    old = make_customer("Ann Lee", emails=["ann@x.cn"])
    services.customer_delete(customer=old, by=owner)
    assert find_duplicates_for(name="Ann Lee", emails=["ann@x.cn"], exclude_id=ann.pk) == []


def test_a_limited_member_is_only_warned_about_records_they_see(
    member, make_customer, limit_members
):
    make_customer("Ann Lee", emails=["ann@x.cn"])
    mine = make_customer("Ann L.", emails=["ann@x.cn"], by=member)
    matches = find_duplicates_for(name="Ann", emails=["ann@x.cn"], user=member)
    assert [m.customer for m in matches] == [mine]
    assert len(find_duplicates_for(name="Ann", emails=["ann@x.cn"])) == 2


def test_duplicate_pairs_are_scored_and_respect_visibility(
    owner, member, make_customer, make_company, limit_members
):
    acme = make_company("Acme")
    a = make_customer("Zhang Wei", emails=["zw@acme.cn"], data={"company": acme})
    b = make_customer("Wei Zhang", emails=["ZW@acme.cn"], data={"company": acme})
    c = make_customer("张伟", data={"city": "北京"}, by=member)
    d = make_customer("张伟", data={"city": "北京"}, by=member)
    make_customer("张伟", data={"city": "上海"})
    make_customer("Someone Else", data={"company": acme})

    with CaptureQueriesContext(connection) as queries:
        pairs = with_customers(duplicate_pair_scores(user=owner))
    assert len(queries) <= 5
    assert [(p.first, p.second, p.score) for p in pairs] == [(a, b, 100), (c, d, 80)]
    assert pairs[0].reason == "same email zw@acme.cn; similar name (100%) at the same company"

    member_pairs = with_customers(duplicate_pair_scores(user=member))
    assert [(p.first, p.second) for p in member_pairs] == [(c, d)]
