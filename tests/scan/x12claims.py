"""Wrap 837P claim bodies (2000B/2300/2400 loops) in a standard, correctly counted envelope.

Used by the rule case files (``fixtures/cases/*.toml``) and the parser/engine tests.
A body that does not start with ``HL`` gets a default 2000B subscriber loop whose
SBR09 is ``filing`` (MB medicare, MC medicaid, CI commercial ...).
"""

from __future__ import annotations

import contextlib

ISA = ("ISA*00*          *00*          *ZZ*SUBMITTERID    *ZZ*RECEIVERID     *250315*1200*^*"
       "00501*000000701*0*T*:")

HEADER = [
    "BHT*0019*00*BATCH0001*20250315*1200*CH",
    "NM1*41*2*TEST BILLING GROUP*****46*SUBMIT01",
    "PER*IC*BILLING CONTACT*TE*5555550100",
    "NM1*40*2*TEST CLEARINGHOUSE*****46*RECV01",
    "HL*1**20*1",
    "PRV*BI*PXC*207Q00000X",
    "NM1*85*2*TEST FAMILY PRACTICE*****XX*1234567893",
    "N3*100 MAIN ST",
    "N4*ANYTOWN*NY*12345",
    "REF*EI*123456789",
]


def subscriber(filing: str = "CI", hl: int = 2, member: str = "MEMBER001") -> list[str]:
    """A 2000B loop header: HL, SBR (SBR09 = ``filing``), 2010BA and 2010BB."""
    return [f"HL*{hl}*1*22*0", f"SBR*P*18*******{filing}",
            f"NM1*IL*1*TESTPATIENT*ALPHA****MI*{member}", "N3*1 ELM ST",
            "N4*ANYTOWN*NY*12345", "DMG*D8*19500101*F", "NM1*PR*2*TEST PAYER*****PI*88801"]


def segments(body: str) -> list[str]:
    """Segments of a body written with ``~`` and/or newlines (blank lines ignored)."""
    out = []
    for line in body.replace("~", "\n").splitlines():
        line = line.strip()
        if line:
            out.append(line)
    return out


def wrap(body: str | list[str], filing: str = "CI", transactions: int = 1) -> str:
    """A complete interchange around ``body`` (repeated in each transaction set)."""
    segs = segments(body) if isinstance(body, str) else list(body)
    if not segs or not segs[0].startswith("HL*"):
        segs = subscriber(filing) + segs
    out = [ISA, "GS*HC*SUBMITTERID*RECEIVERID*20250315*1200*701*X*005010X222A1"]
    for t in range(1, transactions + 1):
        inner = [f"ST*837*{t:04d}*005010X222A1", *HEADER, *segs]
        out += [*inner, f"SE*{len(inner) + 1}*{t:04d}"]
    out += [f"GE*{transactions}*701", "IEA*1*000000701"]
    return "".join(s + "~\n" for s in out)


def claim(claim_id: str = "PCN0001", lines: list[list[str]] | None = None, charge: str = "",
          pos: str = "11", frequency: str = "1", hi: str = "HI*ABK:M5450",
          extra: list[str] | None = None) -> list[str]:
    """A 2300 loop with numbered 2400 lines; each line is [SV1, more segments...].

    DTP*472 and REF*6R are added to a line unless it already has them; CLM02 defaults
    to the sum of the SV102 values.
    """
    lines = lines or []
    total = 0.0
    body: list[str] = []
    for n, line in enumerate(lines, 1):
        sv1 = line[0]
        with contextlib.suppress(IndexError, ValueError):  # a deliberately malformed SV102
            total += float(sv1.split("*")[2])
        rest = line[1:]
        body += [f"LX*{n}", sv1]
        if not any(s.startswith("DTP*472") for s in rest):
            body.append("DTP*472*D8*20250115")
        if not any(s.startswith("REF*6R") or s == "NO-REF" for s in rest):
            body.append(f"REF*6R*{claim_id}-{n}")
        body += [s for s in rest if s != "NO-REF"]
    amount = charge or f"{total:.2f}".rstrip("0").rstrip(".")
    head = [f"CLM*{claim_id}*{amount}***{pos}:B:{frequency}*Y*A*Y*Y", *(extra or []), hi]
    return head + body


KETOROLAC = ["SV1*HC:J1885:JZ*25.01*UN*2***1", "DTP*472*D8*20250115", "REF*6R*X-1",
             "LIN**N4*00409379501", "CTP****1*ML"]
INJECTION = ["SV1*HC:96372*40*UN*1***1"]
