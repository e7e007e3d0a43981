"""Self-contained HTML reports built with lxml: every value is escaped by construction.

No external assets and no JavaScript: styles are inline in one ``<style>`` element and
charts are inline SVG, so a report can be mailed, archived or opened offline.
Reconciliation and audit reports both use this builder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from lxml import etree
from lxml.builder import E

SVG_NS = "http://www.w3.org/2000/svg"

_CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:2rem;
color:#1d2433;background:#fff;max-width:1200px}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:2rem 0 .5rem;
border-bottom:2px solid #e3e7ee;padding-bottom:.25rem}
.sub{color:#5b6475;margin:0 0 1.5rem}
.cards{display:flex;flex-wrap:wrap;gap:.75rem}
.card{border:1px solid #e3e7ee;border-radius:8px;padding:.6rem .9rem;min-width:9rem}
.card .label{font-size:.75rem;text-transform:uppercase;letter-spacing:.04em;color:#5b6475}
.card .value{font-size:1.35rem;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border-bottom:1px solid #e3e7ee;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.empty{color:#5b6475;font-style:italic}
.bad{color:#b42318}.good{color:#067647}
svg text{font-family:inherit;font-size:12px;fill:#1d2433}
"""


def money(value: Decimal | str | int | float) -> str:
    """``$1,234.50`` for display."""
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


class HtmlReport:
    """Collects sections, then writes one HTML document."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.body = E.body(E.h1(title))
        if subtitle:
            self.body.append(E.p(subtitle, {"class": "sub"}))

    def cards(self, items: Iterable[tuple[str, Any]], heading: str | None = None,
              section_id: str = "totals") -> None:
        """A row of label/value cards (totals)."""
        section = E.section({"id": section_id})
        if heading:
            section.append(E.h2(heading))
        row = E.div({"class": "cards"})
        for label, value in items:
            row.append(E.div({"class": "card"}, E.div(str(label), {"class": "label"}),
                             E.div(str(value), {"class": "value"})))
        section.append(row)
        self.body.append(section)

    def bar_chart(self, heading: str, bars: Sequence[tuple[str, Decimal]], section_id: str,
                  unit: str = "$") -> None:
        """Horizontal bar chart as inline SVG (no script), largest first as given."""
        section = E.section({"id": section_id}, E.h2(heading))
        if not bars:
            section.append(E.p("Nothing to chart.", {"class": "empty"}))
            self.body.append(section)
            return
        label_w, bar_w, row_h = 220, 520, 26
        height = row_h * len(bars) + 10
        top = max((b[1] for b in bars), default=Decimal(1)) or Decimal(1)
        svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS}, width=str(
            label_w + bar_w + 120), height=str(height), role="img")
        title = etree.SubElement(svg, f"{{{SVG_NS}}}title")
        title.text = heading
        for i, (label, amount) in enumerate(bars):
            y = 5 + i * row_h
            width = max(1, int(bar_w * float(amount / top))) if amount > 0 else 1
            text = etree.SubElement(svg, f"{{{SVG_NS}}}text", x="0", y=str(y + 16))
            text.text = label
            etree.SubElement(svg, f"{{{SVG_NS}}}rect", x=str(label_w), y=str(y + 3),
                             width=str(width), height=str(row_h - 8), fill="#d92d20",
                             rx="3")
            value = etree.SubElement(svg, f"{{{SVG_NS}}}text", x=str(label_w + width + 6),
                                     y=str(y + 16))
            value.text = money(amount) if unit == "$" else f"{amount}{unit}"
        section.append(svg)
        self.body.append(section)

    def table(self, heading: str, columns: Sequence[str], rows: Iterable[Sequence[Any]],
              section_id: str, numeric: Iterable[str] = (), empty: str = "None.",
              limit: int | None = None) -> int:
        """A table section; returns the number of rows written (``limit`` caps it)."""
        numeric_cols = set(numeric)
        section = E.section({"id": section_id}, E.h2(heading))
        table = E.table(E.thead(E.tr(*(E.th(c) for c in columns))))
        tbody = E.tbody()
        count = total = 0
        for row in rows:
            total += 1
            if limit is not None and count >= limit:
                continue
            tr = E.tr()
            for col, value in zip(columns, row, strict=True):
                cell = E.td("" if value is None else str(value))
                if col in numeric_cols:
                    cell.set("class", "num")
                tr.append(cell)
            tbody.append(tr)
            count += 1
        if count == 0:
            section.append(E.p(empty, {"class": "empty"}))
        else:
            table.append(tbody)
            section.append(table)
            if total > count:
                section.append(E.p(f"{total - count} more not shown; use --format csv "
                                   "for every row.", {"class": "empty"}))
        self.body.append(section)
        return count

    def paragraph(self, text: str) -> None:
        self.body.append(E.p(text))

    def tostring(self) -> str:
        doc = E.html({"lang": "en"},
                     E.head(E.meta(charset="utf-8"),
                            E.meta(name="viewport", content="width=device-width, initial-scale=1"),
                            E.title(self.title), E.style(_CSS)),
                     self.body)
        return "<!DOCTYPE html>\n" + etree.tostring(doc, encoding="unicode", method="html")

    def write(self, out: TextIO) -> None:
        out.write(self.tostring())
