"""Property: whatever the file holds, it is refused whole or every row is accounted for."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solocrm.core.context import acting_as
from solocrm.customers.importing.services import ImportOptions, import_file

HEADERS = ["Name", "姓名", "Email", "手机", "生日", "标签", "Notes", "", "Name"]
SAMPLES = ["张伟", "Ann", "ann@example.com", "bad@", "13800138000", "12", "2024/3/5",
           "2024-02-30", "VIP,老客户", "", " ", '"', '""', "a\nb", "=1+1", "x;y", "\t"]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)


@st.composite
def files(draw: st.DrawFn) -> bytes:
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(CELLS, max_size=6), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote = draw(st.booleans())

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if quote else text

    text = newline.join(delimiter.join(cell(c) for c in row) for row in [header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # damage it: cut it short or splice in a stray byte
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.sampled_from([b"", b"\xff", b"\x00", b'"']))
    return data


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=files(), mode=st.sampled_from(["atomic", "partial"]))
def test_every_row_is_created_updated_skipped_or_rejected(owner, data, mode):
    options = ImportOptions(mode=mode, on_duplicate="update", dry_run=True)
    with acting_as(owner, "cli"):
        summary = import_file(data=data, filename="fuzz.csv", by=owner, options=options)
    counts = summary.as_dict()
    if summary.refused:
        assert counts["rows"] == 0 and summary.result is None
        return
    assert counts["rows"] == summary.table["rows"] > 0
    assert counts["rows"] == sum(counts[k] for k in ("created", "updated", "skipped", "rejected"))
    lines = [o.line for o in summary.result.outcomes]
    assert lines == sorted(set(lines)) and lines[0] >= 2
    rejected = {o.line for o in summary.result.outcomes if o.action == "rejected"}
    assert {p.line for p in summary.problems} == rejected
