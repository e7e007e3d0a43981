"""Build small X12 texts with any delimiters for reader/envelope tests."""

from __future__ import annotations


def isa(control: str = "000000701", element: str = "*", repetition: str = "^",
        component: str = ":", version: str = "00501") -> str:
    """A fixed-width 106-character ISA segment without its terminator."""
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "SUBMITTERID".ljust(15), "ZZ",
              "RECEIVERID".ljust(15), "250315", "1200", repetition, version, control, "0", "T",
              component]
    text = element.join(fields)
    assert len(text) == 105, len(text)
    return text


def interchange(body_segments: list[str], *, control: str = "000000701", group: str = "701",
                element: str = "*", component: str = ":", repetition: str = "^",
                segment: str = "~", after: str = "\n", st_controls: tuple[str, ...] = ("0001",),
                se_count: int | None = None, ge_count: int | None = None,
                iea_count: int | None = None) -> str:
    """ISA/GS + one ST per control around ``body_segments`` (written with ``*`` and ``:``)."""
    segs = [isa(control, element, repetition, component),
            f"GS*HC*SUBMITTERID*RECEIVERID*20250315*1200*{group}*X*005010X222A1"]
    for st in st_controls:
        segs.append(f"ST*837*{st}*005010X222A1")
        segs.extend(body_segments)
        count = se_count if se_count is not None else len(body_segments) + 2
        segs.append(f"SE*{count}*{st}")
    segs.append(f"GE*{ge_count if ge_count is not None else len(st_controls)}*{group}")
    segs.append(f"IEA*{iea_count if iea_count is not None else 1}*{control}")
    out = []
    for i, s in enumerate(segs):
        if i:  # the ISA is already written with its own delimiters
            s = s.replace("*", "\x00").replace(":", component).replace("\x00", element)
        out.append(s + segment + after)
    return "".join(out)


BODY = [
    "BHT*0019*00*BATCH0001*20250315*1200*CH",
    "NM1*41*2*TEST BILLING GROUP*****46*SUBMIT01",
    "HL*1**20*1",
    "CLM*PCN0001*65.01***11:B:1*Y*A*Y*Y",
    "SV1*HC:J1885:JZ*25.01*UN*2***1",
    "SV1*HC:96372*40*UN*1***1",
]
