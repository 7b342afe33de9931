"""Which columns feed which field: checking a mapping against the file's header."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from solocrm.customers.importing.errors import FileRefused
from solocrm.customers.importing.fields import ImportField


class MappingRefused(FileRefused):
    """The column mapping cannot be used; nothing is imported."""


@dataclass
class ColumnMap:
    headers: list[str]
    fields: dict[str, ImportField]
    columns: dict[str, list[int]] = field(default_factory=dict)  # field key → column indexes

    def header_for(self, key: str) -> str:
        """The column a field's problem is reported under (its first column, or its label)."""
        if key.startswith("custom_fields."):
            key = "custom:" + key.removeprefix("custom_fields.")
        if self.columns.get(key):
            return " / ".join(self.headers[i] for i in self.columns[key])
        if key in self.fields:
            return str(self.fields[key].label)
        return "" if key == "__all__" else key

    def as_mapping(self) -> dict[str, str]:
        mapping = {header: "" for header in self.headers}
        for key, indexes in self.columns.items():
            for index in indexes:
                mapping[self.headers[index]] = key
        return mapping


def mapping_resolve(
    *, headers: Sequence[str], mapping: dict[str, str], fields: Sequence[ImportField]
) -> ColumnMap:
    """Check ``{header: field key}`` and turn it into column indexes per field."""
    by_key = {f.key: f for f in fields}
    column_map = ColumnMap(headers=list(headers), fields=by_key)
    problems = []
    for header, key in mapping.items():
        if not key:
            continue
        if header not in headers:
            problems.append(f"the column “{header}” is not in the file")
        elif key not in by_key:
            problems.append(f"“{key}” (for column “{header}”) is not a field that can be imported")
        else:
            column_map.columns.setdefault(key, []).append(headers.index(header))
    for key, indexes in column_map.columns.items():
        if len(indexes) > 1 and not by_key[key].multi_valued:
            names = ", ".join(f"“{headers[i]}”" for i in indexes)
            problems.append(f"{names} are all mapped to {by_key[key].label}; pick one")
    has_name = "name" in column_map.columns or (
        {"first_name", "last_name"} & set(column_map.columns)
    )
    if not has_name:
        problems.append("no column is mapped to Name")
    if problems:
        raise MappingRefused("The column mapping cannot be used: " + "; ".join(problems) + ".")
    for indexes in column_map.columns.values():
        indexes.sort()
    return column_map
