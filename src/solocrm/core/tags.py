"""Tags: short labels any record can carry (customers, companies, later deals and tickets)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from solocrm.core.models import TrackedModel

COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_COLOR = "#57606a"


class Tag(TrackedModel):
    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=7, default=DEFAULT_COLOR)

    class Meta:
        app_label = "core"
        ordering = ["name"]
        verbose_name = _("tag")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = " ".join(self.name.split())
        if not self.name:
            raise ValidationError({"name": _("A tag needs a name.")})
        if not COLOR_PATTERN.match(self.color or ""):
            raise ValidationError({"color": _("Use a colour like #1f6feb.")})


def tag_create(*, by: Any, name: str, color: str = DEFAULT_COLOR) -> Tag:
    from solocrm.core.permissions import require_write
    from solocrm.core.services import model_create

    require_write(by)
    name = " ".join(name.split())
    with transaction.atomic():
        if Tag.objects.filter(name__iexact=name).exists():
            raise ValidationError({"name": _("A tag named “%(name)s” exists.") % {"name": name}})
        return model_create(Tag(name=name, color=color))


def tag_update(
    *, tag: Tag, by: Any, data: dict[str, Any], expected_version: int | None = None
) -> Tag:
    from solocrm.core.permissions import require_write
    from solocrm.core.services import model_update

    require_write(by)
    with transaction.atomic():
        name = data.get("name")
        if name and Tag.objects.filter(name__iexact=name.strip()).exclude(pk=tag.pk).exists():
            raise ValidationError({"name": _("A tag named “%(name)s” exists.") % {"name": name}})
        tag, _changes = model_update(
            tag, data=data, fields=["name", "color"], expected_version=expected_version
        )
    return tag


def tag_delete(*, tag: Tag, by: Any) -> None:
    from solocrm.core.permissions import require_owner
    from solocrm.core.services import model_delete

    require_owner(by)
    model_delete(tag)


def tags_get_or_create(*, names: list[str], by: Any) -> list[Tag]:
    """The tags with these names (case-insensitive), creating the missing ones."""
    tags: list[Tag] = []
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        tag = Tag.objects.filter(name__iexact=name).first() or tag_create(by=by, name=name)
        if tag not in tags:
            tags.append(tag)
    return tags
