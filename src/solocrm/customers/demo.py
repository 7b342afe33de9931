"""Demo customers, companies, contact details, tags and interactions.

Deterministic for a seed: all randomness comes from ``ctx.rng`` and dates count back
from a fixed ``BASE_DATE``. Rows are bulk-inserted (300 customers in well under a
second) and, instead of one audit entry per row, the load writes one summary audit
entry ("import" of demo data with the counts). The search index is filled by the
database triggers as the rows are inserted.

About 4% of the customers are near-duplicates of others, the same person typed in twice
(:func:`near_duplicate_count` of them, the last ones created): the name spaced, ordered,
cased or mistyped differently, and the same phone in another format, the same email, or
the same company or city, so the duplicates page has real pairs to show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from solocrm.core.audit import audit_record
from solocrm.core.demo import DemoContext, register
from solocrm.core.tags import Tag
from solocrm.customers.duplicates_scoring import NAME_THRESHOLD, name_similarity, normalise_email
from solocrm.customers.models import Company, Customer, CustomerEmail, CustomerPhone, Interaction
from solocrm.customers.phones import NormalisedPhone, phone_normalise
from solocrm.customers.search_index import search_text_for

BASE_DATE = dt.datetime(2025, 6, 30, 10, 0, tzinfo=dt.UTC)

CHINESE_SURNAMES = [
    ("张", "zhang"), ("王", "wang"), ("李", "li"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("林", "lin"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("罗", "luo"),
]  # fmt: skip
CHINESE_GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"),
    ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"),
    ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"),
    ("伟明", "weiming"), ("晓东", "xiaodong"), ("婷婷", "tingting"), ("志强", "zhiqiang"),
]  # fmt: skip
ENGLISH_FIRST = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "Sarah", "Thomas", "Emma", "Daniel", "Olivia", "Lucas",
]  # fmt: skip
ENGLISH_LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Taylor", "Clark", "Lewis", "Walker", "Young", "King", "Wright", "Scott",
]  # fmt: skip
COMPANIES = [
    ("上海星辰贸易有限公司", "xingchen-trade.cn", "贸易"),
    ("北京青禾文化传媒有限公司", "qinghe-media.cn", "媒体"),
    ("深圳云帆科技有限公司", "yunfan.tech", "软件"),
    ("杭州茶语茶业有限公司", "chayu-tea.com", "零售"),
    ("成都麻辣风味餐饮管理有限公司", "mala-food.cn", "餐饮"),
    ("Acme Design Studio", "acme.design", "Design"),
    ("Northwind Traders", "northwind.example", "Wholesale"),
    ("Blue Harbor Consulting", "blueharbor.example", "Consulting"),
    ("Greenleaf Organics", "greenleaf.example", "Food"),
    ("Summit Fitness", "summitfit.example", "Health"),
]
TAGS = [
    ("VIP客户", "#cf222e"), ("老客户", "#1a7f37"), ("newsletter", "#1f6feb"),
    ("wholesale", "#8250df"), ("华东", "#bf8700"), ("referral partner", "#0a7ea4"),
    ("活动报名", "#d1242f"), ("follow-up", "#57606a"),
]  # fmt: skip
CITIES = [
    ("上海", "中国"), ("北京", "中国"), ("深圳", "中国"), ("杭州", "中国"), ("成都", "中国"),
    ("广州", "中国"), ("San Francisco", "USA"), ("London", "UK"), ("Singapore", "Singapore"),
]  # fmt: skip
NOTES = [
    ("电话回访", "客户对上次的订单很满意，想了解新品。"),
    ("微信咨询", "询问**批发价格**和发货时间。"),
    ("Follow-up call", "Asked about the *spring collection*; send the catalogue."),
    ("Meeting at the office", "Discussed a yearly contract:\n\n- 12 deliveries\n- 5% discount"),
    ("投诉处理", "包裹延误三天，已补发优惠券。"),
    ("Quote sent", "Sent the quote for 200 units by email."),
    ("展会交流", "在展会上认识，对定制服务感兴趣。"),
    ("Thank-you note", "Thanked them for the referral."),
]
KINDS = ["note", "call", "email", "meeting", "message", "visit"]
MOBILE_PREFIXES = ["138", "139", "136", "150", "151", "158", "186", "187", "188", "135"]
EMAIL_DOMAINS = ["qq.com", "163.com", "gmail.com", "outlook.com", "126.com", "example.com"]
NEAR_DUPLICATE_PERCENT = 4


def _pick_weighted(ctx: DemoContext, options: list[tuple[str, int]]) -> str:
    return ctx.rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


def _chinese_name(ctx: DemoContext) -> tuple[str, str]:
    surname, surname_pinyin = ctx.rng.choice(CHINESE_SURNAMES)
    given, given_pinyin = ctx.rng.choice(CHINESE_GIVEN)
    return surname + given, f"{given_pinyin}.{surname_pinyin}"


def _english_name(ctx: DemoContext) -> tuple[str, str]:
    first, last = ctx.rng.choice(ENGLISH_FIRST), ctx.rng.choice(ENGLISH_LAST)
    return f"{first} {last}", f"{first}.{last}".lower()


def _phone(ctx: DemoContext, chinese: bool) -> str:
    if not chinese and ctx.rng.random() < 0.6:
        area = ctx.rng.choice(["415", "212", "646", "310"])
        line = f"{ctx.rng.randrange(200, 999)}-{ctx.rng.randrange(1000, 9999)}"
        return f"+1 {area}-{line}"
    if ctx.rng.random() < 0.15:
        city = ctx.rng.choice(["010", "021", "020", "0755", "0571"])
        number = str(ctx.rng.randrange(20_000_000, 90_000_000))
        return f"{city}-{number}"
    mobile = ctx.rng.choice(MOBILE_PREFIXES) + f"{ctx.rng.randrange(0, 10**8):08d}"
    style = ctx.rng.randrange(4)
    if style == 0:
        return mobile
    if style == 1:
        return f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    if style == 2:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    return f"0086{mobile}"


def _tags(ctx: DemoContext) -> list[Tag]:
    tags = []
    for name, color in TAGS:
        tag, _created = Tag.objects.get_or_create(name=name, defaults={"color": color})
        tags.append(tag)
    return tags


def _companies(ctx: DemoContext, owner_id: int | None) -> list[Company]:
    count = min(len(COMPANIES), max(2, ctx.customers // 25))
    companies = [
        Company(
            name=name,
            domain=domain,
            industry=industry,
            size=ctx.rng.choice(Company.Size.values),
            owner_id=owner_id,
            created_by_id=owner_id,
            updated_by_id=owner_id,
        )
        for name, domain, industry in COMPANIES[:count]
    ]
    return Company.objects.bulk_create(companies)


def near_duplicate_count(customers: int) -> int:
    """How many of ``customers`` demo customers are near-duplicates of others."""
    return customers * NEAR_DUPLICATE_PERCENT // 100


def _retyped_name(name: str, *, style: int) -> str:
    """``name`` as someone else would type it: "张 伟", "张　伟", "SMITH, James",
    "james smith" or "James Jonhson" (two letters swapped, when that stays similar)."""
    if not name.isascii():
        return f"{name[0]}{' ' if style % 2 == 0 else chr(0x3000)}{name[1:]}"
    first, last = name.split(" ", 1)
    if style % 3 == 0:
        at = next((i for i in range(2, len(last) - 1) if last[i] != last[i + 1]), 0)
        typo = f"{first} {last[:at]}{last[at + 1]}{last[at]}{last[at + 2 :]}"
        if at and name_similarity(name, typo) >= NAME_THRESHOLD:
            return typo
    if style % 3 == 1:
        return f"{last.upper()}, {first}"
    return name.lower()


def _reformatted_phone(phone: NormalisedPhone) -> NormalisedPhone:
    """The same number written another way ("13812345678" → "+86 138 1234 5678")."""
    national = phone.e164.removeprefix("+86")
    if phone.e164.startswith("+86") and len(national) == 11:
        styles = [national, f"+86 {national[:3]} {national[3:7]} {national[7:]}"]
    else:
        styles = [phone.e164, f"00{phone.e164[1:]}"]
    raw = next(style for style in styles if style != phone.raw)
    return phone_normalise(raw, region="CN")


def _near_duplicate(
    ctx: DemoContext, row: dict[str, Any], *, variant: int, companies: list[Company]
) -> dict[str, Any]:
    """A second record of ``row``'s customer, entered later and with less care.

    It always has a similar name, and shares with the original, by turns, a phone (in
    another format), an email (typed in another case) or the company; the city is the
    same unless the company is shared.
    """
    original: Customer = row["customer"]
    emails: list[str] = []
    phones: list[NormalisedPhone] = []
    company = None
    city, country = original.city, original.country
    signal = variant % 3
    if signal == 0 and row["phones"]:
        phones = [_reformatted_phone(row["phones"][0])]
    elif signal == 1 and row["emails"]:
        emails = [normalise_email(row["emails"][0].upper())]
    elif signal == 2:
        if original.company is None:
            original.company = ctx.rng.choice(companies)
        company = original.company
        city, country = ctx.rng.choice(CITIES)
    notes = [ctx.rng.choice(NOTES) for _n in range(ctx.rng.randrange(0, 3))]
    owner_id = original.owner_id
    return {
        "customer": Customer(
            name=_retyped_name(original.name, style=variant),
            company=company,
            city=city,
            country=country,
            source="event",
            lifecycle_stage="lead",
            tier="potential",
            consent_status="unknown",
            owner_id=owner_id,
            created_by_id=owner_id,
            updated_by_id=owner_id,
        ),
        "emails": emails,
        "phones": phones,
        "tags": [],
        "notes": notes,
        "kinds": [ctx.rng.choice(KINDS) for _n in notes],
        "days_ago": sorted((ctx.rng.randrange(0, 720) for _n in notes), reverse=True),
    }


@register("customers", order=10)
def load_customers(ctx: DemoContext) -> None:
    owner_id = getattr(ctx.owner, "pk", None)
    tags = _tags(ctx)
    companies = _companies(ctx, owner_id)
    rows: list[dict[str, Any]] = []
    copies = near_duplicate_count(ctx.customers)
    for index in range(ctx.customers - copies):
        chinese = ctx.rng.random() < 0.7
        name, handle = _chinese_name(ctx) if chinese else _english_name(ctx)
        company = ctx.rng.choice(companies) if ctx.rng.random() < 0.45 else None
        emails = []
        if ctx.rng.random() < 0.85:
            emails.append(f"{handle}{index}@{ctx.rng.choice(EMAIL_DOMAINS)}")
        if company is not None and ctx.rng.random() < 0.4:
            emails.append(f"{handle}@{company.domain}")
        phones = []
        for _n in range(1 if ctx.rng.random() < 0.8 else 2):
            try:
                phones.append(phone_normalise(_phone(ctx, chinese), region="CN"))
            except ValueError:
                continue
        city, country = ctx.rng.choice(CITIES)
        notes = [ctx.rng.choice(NOTES) for _n in range(ctx.rng.randrange(0, 5))]
        rows.append(
            {
                "customer": Customer(
                    name=name,
                    company=company,
                    wechat_id=f"wx_{handle.replace('.', '_')}{index}" if chinese else "",
                    city=city,
                    country=country,
                    gender=ctx.rng.choice(["", "female", "male"]),
                    source=_pick_weighted(
                        ctx,
                        [
                            ("website", 4),
                            ("referral", 3),
                            ("wechat", 4),
                            ("social", 2),
                            ("event", 2),
                            ("other", 1),
                        ],
                    ),
                    lifecycle_stage=_pick_weighted(
                        ctx,
                        [
                            ("lead", 3),
                            ("prospect", 2),
                            ("customer", 4),
                            ("repeat_customer", 3),
                            ("at_risk", 1),
                            ("churned", 1),
                        ],
                    ),
                    tier=_pick_weighted(ctx, [("potential", 3), ("regular", 5), ("vip", 1)]),
                    consent_status=_pick_weighted(
                        ctx, [("granted", 5), ("denied", 1), ("unknown", 3)]
                    ),
                    birthday=dt.date(1960, 1, 1) + dt.timedelta(days=ctx.rng.randrange(16000))
                    if ctx.rng.random() < 0.4
                    else None,
                    owner_id=owner_id,
                    created_by_id=owner_id,
                    updated_by_id=owner_id,
                ),
                "emails": emails,
                "phones": phones,
                "tags": ctx.rng.sample(tags, ctx.rng.randrange(0, 3)),
                "notes": notes,
                "kinds": [ctx.rng.choice(KINDS) for _n in notes],
                "days_ago": sorted((ctx.rng.randrange(0, 720) for _n in notes), reverse=True),
            }
        )
    english = [row for row in rows if row["customer"].name.isascii()]
    chinese = [row for row in rows if not row["customer"].name.isascii()]
    english_share = min(len(english), max(1, copies // 3)) if copies else 0
    from_chinese = min(len(chinese), copies - english_share)
    from_english = min(len(english), copies - from_chinese)
    originals = ctx.rng.sample(english, from_english) + ctx.rng.sample(chinese, from_chinese)
    rows += [
        _near_duplicate(ctx, row, variant=n, companies=companies) for n, row in enumerate(originals)
    ]
    for row in rows:
        customer = row["customer"]
        if customer.consent_status != "unknown":
            customer.consent_at = BASE_DATE - dt.timedelta(days=ctx.rng.randrange(1, 400))
            customer.consent_source = "demo"
        customer.search_text = search_text_for(
            name=customer.name,
            emails=row["emails"],
            phones=[(p.raw, p.e164) for p in row["phones"]],
            wechat_id=customer.wechat_id,
            company_name=customer.company.name if customer.company else "",
            notes=[f"{s}\n{b}" for s, b in row["notes"]],
        )
    customers = Customer.objects.bulk_create([row["customer"] for row in rows], batch_size=500)
    emails, phones, interactions, links = [], [], [], []
    through = Customer.tags.through
    for row, customer in zip(rows, customers, strict=True):
        emails += [
            CustomerEmail(customer=customer, email=e, is_primary=i == 0)
            for i, e in enumerate(row["emails"])
        ]
        phones += [
            CustomerPhone(customer=customer, raw=p.raw, e164=p.e164, is_primary=i == 0)
            for i, p in enumerate(row["phones"])
        ]
        links += [through(customer_id=customer.pk, tag_id=t.pk) for t in row["tags"]]
        for (subject, body), kind, days in zip(
            row["notes"], row["kinds"], row["days_ago"], strict=True
        ):
            interactions.append(
                Interaction(
                    customer=customer,
                    company=customer.company,
                    kind=kind,
                    direction="none" if kind == "note" else ctx.rng.choice(["inbound", "outbound"]),
                    occurred_at=BASE_DATE - dt.timedelta(days=days, minutes=ctx.rng.randrange(600)),
                    subject=subject,
                    body=body,
                    author_id=owner_id,
                    created_by_id=owner_id,
                    updated_by_id=owner_id,
                )
            )
    CustomerEmail.objects.bulk_create(emails, batch_size=500)
    CustomerPhone.objects.bulk_create(phones, batch_size=500)
    through.objects.bulk_create(links, batch_size=500)
    Interaction.objects.bulk_create(interactions, batch_size=500)
    counts = {
        "customers": len(customers),
        "companies": len(companies),
        "interactions": len(interactions),
        "near_duplicates": copies,
    }
    audit_record(
        "import",
        object_type_label="customers.customer",
        object_repr="demo data",
        changes={k: [0, v] for k, v in counts.items()},
    )
    ctx.created.update(counts)
