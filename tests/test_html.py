"""The HTML report builder: self-contained, escaped, parseable."""

from __future__ import annotations

from decimal import Decimal

from lxml import html as lhtml

from x12core.html import HtmlReport, money


def test_report_sections_and_escaping() -> None:
    report = HtmlReport("Reconciliation <test>", "batch & remits")
    report.cards([("Claims", 3), ("Paid", money(Decimal("1234.5")))])
    report.bar_chart("Denied dollars", [("bundling", Decimal("90")),
                                        ("<script>alert(1)</script>", Decimal("45"))],
                     section_id="chart")
    written = report.table("Denied lines", ["claim", "amount"],
                           [["PCN<1>", "10.00"], ["PCN2", "5.00"]], section_id="denied",
                           numeric=["amount"], limit=1)
    report.table("Unpaid", ["claim"], [], section_id="unpaid")
    text = report.tostring()
    assert written == 1
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "http" not in text.replace("http://www.w3.org/2000/svg", "")  # no external assets
    doc = lhtml.fromstring(text)
    assert doc.findtext(".//title") == "Reconciliation <test>"
    assert doc.xpath("//section[@id='totals']//div[@class='value']/text()") == [
        "3", "$1,234.50"]
    assert doc.xpath("//section[@id='denied']//td/text()")[:2] == ["PCN<1>", "10.00"]
    assert "1 more not shown" in doc.xpath("string(//section[@id='denied'])")
    assert doc.xpath("string(//section[@id='unpaid'])").endswith("None.")
    svg_texts = doc.xpath("//section[@id='chart']//*[local-name()='text']/text()")
    assert "bundling" in svg_texts and "$90.00" in svg_texts
    assert len(doc.xpath("//*[local-name()='rect']")) == 2


def test_money() -> None:
    assert money(Decimal("1234.5")) == "$1,234.50"
    assert money("-2.5") == "-$2.50"
