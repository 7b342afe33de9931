import random

from solocrm.customers.duplicates_scoring import (
    MIN_SCORE,
    CustomerRecord,
    best_matches,
    candidate_pairs,
    name_key,
    name_similarity,
    normalise_email,
    normalise_phone,
    score_pair,
    scored_pairs,
)


def record(pk, name="", emails=(), phones=(), company_id=None, city=""):
    return CustomerRecord(
        id=pk,
        name=name,
        emails=frozenset(normalise_email(e) for e in emails),
        phones=frozenset(normalise_phone(p) for p in phones),
        company_id=company_id,
        city=city,
    )


def test_same_email_differently_cased_scores_100():
    score = score_pair(
        record(1, "Ann Lee", emails=["Ann.Lee@Example.COM "]),
        record(2, "A. Lee", emails=["ann.lee@example.com"]),
    )
    assert score.score == 100
    assert [r.signal for r in score.reasons] == ["email"]
    assert score.summary == "same email ann.lee@example.com"


def test_same_phone_in_different_formats_scores_95():
    formats = ["138 1234 5678", "+86 138-1234-5678", "0086 13812345678", "（138）1234５678"]
    phones = {normalise_phone(p) for p in formats}
    assert phones == {"+8613812345678"}
    score = score_pair(
        record(1, "王芳", phones=[formats[0]]), record(2, "Fang", phones=[formats[1]])
    )
    assert score.score == 95
    assert score.summary == "same phone +8613812345678"


def test_same_chinese_name_in_the_same_city_is_flagged():
    score = score_pair(record(1, "张伟", city="北京"), record(2, "张 伟", city=" 北京 "))
    assert score.score == 80
    assert score.reasons[0].signal == "name_city"


def test_same_chinese_name_in_different_cities_is_not_flagged():
    assert score_pair(record(1, "张伟", city="北京"), record(2, "张伟", city="上海")).score == 0


def test_one_different_chinese_character_is_a_different_person():
    assert name_similarity("张伟", "张玮") == 50
    assert score_pair(record(1, "张伟", city="北京"), record(2, "张玮", city="北京")).score == 0


def test_reversed_pinyin_name_at_the_same_company_is_flagged():
    assert name_key("Zhang Wei") == name_key("WEI, zhang") == "wei zhang"
    score = score_pair(record(1, "Zhang Wei", company_id=7), record(2, "Wei Zhang", company_id=7))
    assert score.score == 90
    assert score.reasons[0].detail == "similar name (100%) at the same company"


def test_typo_in_a_name_at_the_same_company_still_matches():
    score = score_pair(record(1, "John Smith", company_id=3), record(2, "Jon Smith", company_id=3))
    assert score.score == round(0.9 * name_similarity("John Smith", "Jon Smith")) == 85


def test_different_people_are_not_flagged():
    assert (
        score_pair(
            record(1, "John Smith", company_id=3), record(2, "Jane Smith", company_id=3)
        ).score
        == 0
    )
    assert (
        score_pair(record(1, "Ann Lee", city="Paris"), record(2, "Bob Stone", city="Paris")).score
        == 0
    )
    assert score_pair(record(1, "Ann Lee"), record(2, "Ann Lee")).score == 0
    assert score_pair(record(1, "", city="Paris"), record(2, "", city="Paris")).score == 0


def test_several_signals_add_a_bonus_capped_at_100():
    both = score_pair(
        record(1, "Zhang Wei", phones=["13812345678"], city="Beijing"),
        record(2, "Wei Zhang", phones=["+8613812345678"], city="beijing"),
    )
    assert both.score == 100
    assert [r.signal for r in both.reasons] == ["phone", "name_city"]


def test_candidate_pairs_block_instead_of_comparing_everyone():
    records = [
        record(1, "张伟", city="北京"),
        record(2, "张伟", city="北京"),
        record(3, "张伟", city="上海"),
        record(4, "Ann", emails=["a@x.cn"]),
        record(5, "Bob", emails=["A@x.cn"]),
        record(6, "Carl", phones=["13812345678"]),
        record(7, "Dora", phones=["138 1234 5678"]),
        record(8, "Zhang Wei", company_id=1),
        record(9, "Wei Zhang", company_id=1),
    ]
    assert candidate_pairs(records) == {(1, 2), (4, 5), (6, 7), (8, 9)}
    assert [(p.a.id, p.b.id, p.score.score) for p in scored_pairs(records)] == [
        (4, 5, 100),
        (6, 7, 95),
        (8, 9, 90),
        (1, 2, 80),
    ]


def test_large_city_blocks_are_split_by_initial_and_still_find_pairs():
    rng = random.Random(5)
    letters = "abcdefghijklmnopqrstuvwxyz"
    filler = [
        record(100 + i, "".join(rng.choices(letters, k=12)), city="Shanghai") for i in range(2000)
    ]
    pair = [record(1, "Zhang Wei", city="Shanghai"), record(2, "wei zhang", city="shanghai")]
    found = {(p.a.id, p.b.id) for p in scored_pairs([*filler, *pair])}
    assert found == {(1, 2)}


def test_shared_switchboard_numbers_do_not_pair_everyone():
    records = [record(i, f"P{i}", phones=["010 6552 9988"]) for i in range(1, 60)]
    assert candidate_pairs(records) == set()


def test_best_matches_for_a_new_customer_excludes_itself_and_weak_matches():
    others = [
        record(1, "Ann Lee", emails=["ann@x.cn"]),
        record(2, "Ann Li", city="Paris"),
        record(3, "Ann Lee", city="Paris"),
    ]
    candidate = record(3, "Ann Lee", emails=["ANN@x.cn"], city="paris")
    matches = best_matches(candidate, others)
    assert [(m.id, s.score) for m, s in matches] == [(1, 100)]
    assert all(s.score >= MIN_SCORE for _m, s in matches)
