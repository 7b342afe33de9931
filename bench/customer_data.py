"""Realistic customers in bulk for the list and search benchmarks.

Chinese names (surnames and given-name characters drawn with Zipf-like weights, so 张伟
is as common as it is in life) and English names; pinyin or English email addresses;
Chinese mobile and US phone numbers typed in several ways; WeChat IDs; companies; tags;
two owners; stages, tiers and sources; 1 % in the trash; a note on 10 %. ``search_text``
is computed by the application's own ``search_text_for`` from exactly the stored rows,
and the database's triggers feed the full-text index as they do for the application.

Rows go in with ``executemany`` (``_common.fast_insert``): the data's size and shape is
what matters here, not how it got in.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from _common import fast_insert

SURNAMES = (  # noqa: SIM905 - one readable string
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma "
    "朱zhu 胡hu 郭guo 何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 许xu "
    "韩han 冯feng 邓deng 曹cao 彭peng 曾zeng 肖xiao 田tian 董dong 袁yuan 潘pan 于yu "
    "蒋jiang 蔡cai 余yu 杜du 叶ye 程cheng 苏su 魏wei 吕lv 丁ding 任ren 沈shen 姚yao "
    "卢lu 姜jiang 崔cui 钟zhong 谭tan 陆lu 汪wang 范fan 金jin 石shi 廖liao 贾jia 夏xia"
).split()
GIVEN = (  # noqa: SIM905 - one readable string
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie "
    "娟juan 涛tao 明ming 超chao 秀xiu 霞xia 平ping 刚gang 桂gui 英ying 华hua 玉yu 萍ping "
    "红hong 鹏peng 飞fei 辉hui 建jian 国guo 林lin 丹dan 宁ning 波bo 斌bin 宇yu 浩hao "
    "凯kai 婷ting 雪xue 琳lin 晶jing 欣xin 慧hui 颖ying 佳jia 文wen 志zhi 海hai 亮liang "
    "俊jun 峰feng 龙long 成cheng 云yun 春chun 燕yan 梅mei 兰lan 凤feng 洁jie 倩qian 瑶yao "
    "怡yi 思si 雨yu 晨chen 阳yang 博bo 轩xuan 子zi 涵han 梓zi 睿rui"
).split()
FIRST = (  # noqa: SIM905 - one readable string
    "James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William "
    "Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa "
    "Daniel Nancy Matthew Betty Anthony Sandra Mark Ashley Donald Emily Steven Michelle "
    "Paul Amanda Andrew Melissa Joshua Deborah Kevin Stephanie Brian Rebecca George Laura"
).split()
LAST = (  # noqa: SIM905 - one readable string
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter"
).split()
CITIES = ["上海", "北京", "杭州", "深圳", "广州", "成都", "南京", "苏州", "武汉", "西安"]
DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com"]
MOBILE = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158",
          "159", "176", "177", "180", "182", "185", "186", "187", "188", "189"]  # fmt: skip
TRADES = ["贸易", "科技", "餐饮", "服装", "建材", "物流", "文化", "电子", "食品", "家居"]
EN_WORDS = ["Blue", "Harbor", "Summit", "Pioneer", "Golden", "Northern", "Bright", "Oak"]
EN_TRADES = ["Trading", "Design", "Foods", "Logistics", "Software", "Studio", "Supplies"]
NOTES = ["想要批发价格", "下周回访，确认报价", "asked for a quote on bulk orders",
         "对新款很感兴趣", "prefers WeChat, not phone", "生日送了优惠券"]  # fmt: skip
TAGS = {"VIP": 0.10, "华东": 0.20, "批发": 0.05, "Newsletter": 0.15, "老客户": 0.08}
STAGES = (["lead", "prospect", "customer", "repeat_customer", "at_risk", "churned"],
          [30, 15, 30, 12, 8, 5])  # fmt: skip
TIERS = (["potential", "regular", "vip"], [60, 32, 8])
SOURCES = (["website", "referral", "social", "wechat", "event", "import", "other"],
           [20, 15, 10, 25, 5, 15, 10])  # fmt: skip
SEED = 20261128
CHUNK = 50_000
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _split(entries: list[str]) -> tuple[list[str], list[str], list[float]]:
    chars = [e[0] for e in entries]
    pinyin = [e[1:] for e in entries]
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(entries))]
    return chars, pinyin, weights


class Generator:
    """Draws customer rows; the same seed and counts give the same data."""

    def __init__(self, *, owner_id: int, member_id: int, tag_ids: dict[str, int]) -> None:
        self.rng = random.Random(SEED)
        self.owner_id, self.member_id, self.tag_ids = owner_id, member_id, tag_ids
        self.surnames = _split(SURNAMES)
        self.given = _split(GIVEN)
        self.companies: list[tuple[int, str]] = []

    def chinese(self) -> tuple[str, str]:
        rng = self.rng
        s_chars, s_pinyin, s_weights = self.surnames
        g_chars, g_pinyin, g_weights = self.given
        s = rng.choices(range(len(s_chars)), s_weights)[0]
        given = rng.choices(range(len(g_chars)), g_weights, k=1 if rng.random() < 0.4 else 2)
        name = s_chars[s] + "".join(g_chars[g] for g in given)
        return name, s_pinyin[s] + "".join(g_pinyin[g] for g in given)

    def english(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        return f"{first} {last}", f"{first}.{last}".lower()

    def phone(self, chinese: bool) -> tuple[str, str]:
        rng = self.rng
        if chinese or rng.random() < 0.3:
            prefix = rng.choice(MOBILE)
            rest = f"{rng.randrange(10**8):08d}"
            e164 = f"+86{prefix}{rest}"
            raw = rng.choice(
                [
                    f"{prefix} {rest[:4]} {rest[4:]}",
                    prefix + rest,
                    f"+86 {prefix}-{rest[:4]}-{rest[4:]}",
                ]
            )
            return raw, e164
        area, line = rng.choice(["415", "212", "646", "312"]), f"{rng.randrange(10**7):07d}"
        return f"({area}) {line[:3]}-{line[3:]}", f"+1{area}{line}"

    def companies_rows(self, count: int, first_id: int) -> list[dict[str, Any]]:
        rng = self.rng
        rows = []
        for n in range(count):
            if rng.random() < 0.7:
                words = rng.choice(GIVEN)[0] + rng.choice(GIVEN)[0]
                name = f"{rng.choice(CITIES)}{words}{rng.choice(TRADES)}有限公司"
            else:
                name = f"{rng.choice(EN_WORDS)} {rng.choice(EN_WORDS)} {rng.choice(EN_TRADES)} {n}"
            rows.append({"id": first_id + n, "name": name, "owner_id": self.owner_id})
            self.companies.append((first_id + n, name))
        return rows

    def customers(self, count: int, first_id: int) -> dict[str, list[dict[str, Any]]]:
        """Rows for customers ``first_id`` … ``first_id + count - 1`` and their details."""
        from solocrm.customers.search_index import search_text_for

        rng = self.rng
        out: dict[str, list[dict[str, Any]]] = {
            "customers": [], "emails": [], "phones": [], "tags": [], "notes": []
        }  # fmt: skip
        for n in range(count):
            pk = first_id + n
            chinese = rng.random() < 0.7
            name, handle = self.chinese() if chinese else self.english()
            emails = []
            if rng.random() < 0.8:
                emails.append(f"{handle}{rng.randrange(1, 10000)}@{rng.choice(DOMAINS)}")
            phones = [self.phone(chinese)] if rng.random() < 0.9 else []
            if phones and rng.random() < 0.05:
                phones.append(self.phone(chinese))
                if phones[0][1] == phones[1][1]:
                    phones.pop()
            wechat = (
                f"{handle.replace('.', '_')}_{rng.randrange(100, 9999)}"
                if rng.random() < 0.3
                else ""
            )
            company = rng.choice(self.companies) if rng.random() < 0.4 else None
            notes = [f"\n{rng.choice(NOTES)}"] if rng.random() < 0.1 else []
            created = NOW - dt.timedelta(minutes=rng.randrange(3 * 365 * 1440))
            updated = min(NOW, created + dt.timedelta(minutes=rng.randrange(200 * 1440)))
            owner_id = self.member_id if rng.random() < 0.2 else self.owner_id
            out["customers"].append(
                {
                    "id": pk,
                    "name": name,
                    "company_id": company[0] if company else None,
                    "wechat_id": wechat,
                    "city": rng.choice(CITIES) if chinese else "",
                    "source": rng.choices(*SOURCES)[0],
                    "lifecycle_stage": rng.choices(*STAGES)[0],
                    "tier": rng.choices(*TIERS)[0],
                    "owner_id": owner_id,
                    "created_by_id": owner_id,
                    "updated_by_id": owner_id,
                    "created_at": created,
                    "updated_at": updated,
                    "deleted_at": updated if rng.random() < 0.01 else None,
                    "search_text": search_text_for(
                        name=name,
                        emails=emails,
                        phones=phones,
                        wechat_id=wechat,
                        company_name=company[1] if company else "",
                        notes=notes,
                    ),
                }
            )
            for i, email in enumerate(emails):
                out["emails"].append({"customer_id": pk, "email": email, "is_primary": i == 0})
            for i, (raw, e164) in enumerate(phones):
                out["phones"].append(
                    {"customer_id": pk, "raw": raw, "e164": e164, "is_primary": i == 0}
                )
            for tag, share in TAGS.items():
                if rng.random() < share:
                    out["tags"].append({"customer_id": pk, "tag_id": self.tag_ids[tag]})
            for note in notes:
                out["notes"].append(
                    {
                        "customer_id": pk,
                        "kind": "note",
                        "occurred_at": updated,
                        "body": note.strip(),
                        "author_id": owner_id,
                        "created_by_id": owner_id,
                        "created_at": updated,
                        "updated_at": updated,
                    }
                )
        return out


def grow(generator: Generator, target: int) -> dict[str, float]:
    """Add customers until there are ``target`` (companies: one for every 50)."""
    from django.db import connection

    from solocrm.customers.models import (
        Company,
        Customer,
        CustomerEmail,
        CustomerPhone,
        Interaction,
    )

    timings = {"generate_seconds": 0.0, "insert_seconds": 0.0}
    existing = Customer.objects.count()
    company_target = target // 50
    if len(generator.companies) < company_target:
        first = (Company.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        rows = generator.companies_rows(company_target - len(generator.companies), first)
        fast_insert(Company, rows)
    first_id = (Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    while existing < target:
        count = min(CHUNK, target - existing)
        started = time.perf_counter()
        rows = generator.customers(count, first_id)
        timings["generate_seconds"] += time.perf_counter() - started
        started = time.perf_counter()
        fast_insert(Customer, rows["customers"])
        if rows["emails"]:
            fast_insert(CustomerEmail, rows["emails"])
        if rows["phones"]:
            fast_insert(CustomerPhone, rows["phones"])
        if rows["tags"]:
            fast_insert(Customer.tags.through, rows["tags"])
        if rows["notes"]:
            fast_insert(Interaction, rows["notes"])
        timings["insert_seconds"] += time.perf_counter() - started
        existing += count
        first_id += count
        print(f"  {existing:,} customers", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze_seconds"] = time.perf_counter() - started
    return {k: round(v, 1) for k, v in timings.items()}
