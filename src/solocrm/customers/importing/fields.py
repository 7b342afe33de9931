"""The fields a column can feed, per import kind, with the header names that suggest them.

``kind`` says how a cell is parsed (see ``values``): text, email and phone lists, a
date, tags, a yes/no, or a choice. Custom fields join as ``custom:<key>`` at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

CUSTOM_PREFIX = "custom:"
MULTI_VALUED_KINDS = {"emails", "phones", "tags"}


@dataclass(frozen=True)
class ImportField:
    key: str
    label: str
    kind: str
    synonyms: tuple[str, ...] = ()
    required: bool = False

    @property
    def multi_valued(self) -> bool:
        return self.kind in MULTI_VALUED_KINDS


CUSTOMER_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name",
        _("Name"),
        "text",
        (
            "name",
            "full name",
            "customer",
            "customer name",
            "contact",
            "contact name",
            "person",
            "姓名",
            "名字",
            "客户名称",
            "客户姓名",
            "客户名",
            "客户",
            "联系人",
            "名称",
        ),
        required=True,
    ),
    ImportField(
        "first_name", _("First name"), "text", ("first name", "given name", "firstname", "名")
    ),
    ImportField(
        "last_name",
        _("Last name"),
        "text",
        ("last name", "surname", "family name", "lastname", "姓"),
    ),
    ImportField(
        "external_id",
        _("External ID"),
        "text",
        (
            "external id",
            "id",
            "customer id",
            "customer number",
            "客户编号",
            "编号",
            "外部编号",
            "客户id",
        ),
    ),
    ImportField(
        "emails",
        _("Email"),
        "emails",
        (
            "email",
            "e-mail",
            "email address",
            "mail",
            "邮箱",
            "电子邮件",
            "电子邮箱",
            "邮件",
            "邮箱地址",
        ),
    ),
    ImportField(
        "phones",
        _("Phone"),
        "phones",
        (
            "phone",
            "mobile",
            "telephone",
            "tel",
            "cell",
            "phone number",
            "mobile phone",
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "电话号码",
            "联系电话",
            "联系方式",
            "座机",
            "移动电话",
        ),
    ),
    ImportField(
        "company",
        _("Company"),
        "text",
        (
            "company",
            "company name",
            "organization",
            "organisation",
            "employer",
            "公司",
            "公司名称",
            "单位",
            "企业",
            "工作单位",
        ),
    ),
    ImportField(
        "wechat_id", _("WeChat ID"), "text", ("wechat", "wechat id", "weixin", "微信", "微信号")
    ),
    ImportField(
        "address",
        _("Address"),
        "text",
        ("address", "street", "地址", "详细地址", "联系地址", "住址"),
    ),
    ImportField("city", _("City"), "text", ("city", "town", "城市", "所在城市", "市")),
    ImportField("country", _("Country"), "text", ("country", "国家", "国家地区")),
    ImportField(
        "birthday",
        _("Birthday"),
        "date",
        ("birthday", "date of birth", "dob", "birth date", "生日", "出生日期"),
    ),
    ImportField("gender", _("Gender"), "gender", ("gender", "sex", "性别")),
    ImportField(
        "source",
        _("Source"),
        "source",
        ("source", "channel", "lead source", "来源", "渠道", "客户来源"),
    ),
    ImportField("tags", _("Tags"), "tags", ("tags", "tag", "labels", "label", "标签", "客户标签")),
    ImportField(
        "notes",
        _("Notes"),
        "text",
        ("notes", "note", "comment", "comments", "remarks", "备注", "说明"),
    ),
    ImportField(
        "consent",
        _("Marketing consent"),
        "consent",
        (
            "marketing consent",
            "consent",
            "opt-in",
            "opt in",
            "subscribed",
            "同意营销",
            "营销同意",
            "订阅",
        ),
    ),
)

COMPANY_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        "name",
        _("Name"),
        "text",
        (
            "name",
            "company",
            "company name",
            "organization",
            "organisation",
            "公司",
            "公司名称",
            "企业名称",
            "名称",
            "单位",
        ),
        required=True,
    ),
    ImportField(
        "domain",
        _("Web domain"),
        "text",
        ("domain", "website", "web", "url", "网址", "网站", "域名", "官网"),
    ),
    ImportField("industry", _("Industry"), "text", ("industry", "sector", "行业", "所属行业")),
    ImportField(
        "size",
        _("Size"),
        "company_size",
        ("size", "employees", "headcount", "规模", "人数", "员工人数"),
    ),
    ImportField("address", _("Address"), "text", ("address", "地址", "公司地址", "详细地址")),
    ImportField("tags", _("Tags"), "tags", ("tags", "tag", "labels", "标签")),
)

FIELDS_BY_KIND = {"customers": CUSTOMER_FIELDS, "companies": COMPANY_FIELDS}
IMPORT_KINDS = tuple(FIELDS_BY_KIND)
