"""Split one generated 835 into three weekly remittances, as payers send them over weeks.

Week 1 carries every first payment -- including, for claims the generator reverses,
the original payment it only implies (rebuilt by negating the reversal); week 2
carries the reversals (CLP02 22); week 3 the corrected payments. Each week is a
whole interchange with its own ISA13/GS06, BPR16 payment date and SE count.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

WEEK_DATES = ("20250405", "20250412", "20250419")
_NEGATE = {"CLP": (3, 4, 5), "SVC": (2, 3), "CAS": (3, 6, 9, 12, 15, 18), "AMT": (2,)}


def _negate(seg: list[str]) -> list[str]:
    out = list(seg)
    for i in _NEGATE.get(seg[0], ()):
        if i < len(out) and out[i]:
            value = -Decimal(out[i])
            out[i] = f"{value:f}"
    if out[0] == "CLP":
        out[2] = "1"
    return out


def split_weeks(path: Path, out_dir: Path) -> list[Path]:
    text = path.read_text(encoding="latin-1")
    segs = [s.strip("\n").split("*") for s in text.split("~") if s.strip()]
    # ISA ... (header up to and incl. the first LX of each ST) -- keep per transaction
    weeks: list[list[list[str]]] = [[], [], []]
    seen: set[str] = set()
    reversed_ids: set[str] = set()
    i = 0
    isa = segs[0]
    gs = segs[1]
    while i < len(segs):
        seg = segs[i]
        if seg[0] == "ST":
            header: list[list[str]] = []
            body: list[list[list[list[str]]]] = [[], [], []]
            while segs[i][0] != "CLP":
                if segs[i][0] != "LX":
                    header.append(segs[i])
                i += 1
            trailer: list[list[str]] = []
            while segs[i][0] != "SE":
                if segs[i][0] == "CLP":
                    loop = [segs[i]]
                    i += 1
                    while segs[i][0] not in ("CLP", "LX", "SE", "PLB"):
                        loop.append(segs[i])
                        i += 1
                    claim, status = loop[0][1], loop[0][2]
                    if status == "22":
                        reversed_ids.add(claim)
                        body[0].append([_negate(s) for s in loop])  # the implied original
                        body[1].append(loop)
                    elif claim in reversed_ids:
                        body[2].append(loop)
                    else:
                        body[0].append(loop)
                    seen.add(claim)
                elif segs[i][0] == "PLB":
                    trailer.append(segs[i])
                    i += 1
                else:
                    i += 1
            i += 1  # SE
            for w in range(3):
                if body[w]:
                    weeks[w].append(["__ST__"])
                    weeks[w].extend(header)
                    weeks[w].append(["LX", "1"])
                    for loop in body[w]:
                        weeks[w].extend(loop)
                    if w == 0:
                        weeks[w].extend(trailer)
                    weeks[w].append(["__SE__"])
            continue
        i += 1
    paths = []
    for w, content in enumerate(weeks):
        control = f"{900000001 + w:09d}"
        lines = ["*".join([*isa[:13], control, *isa[14:]]),
                 "*".join([*gs[:6], str(900 + w), *gs[7:]])]
        count = 0
        st_no = 0
        n_st = 0
        for seg in content:
            if seg == ["__ST__"]:
                st_no += 1
                n_st += 1
                count = 0
                continue
            if seg == ["__SE__"]:
                lines.append(f"SE*{count + 1}*{st_no:04d}")
                continue
            if seg[0] == "ST":
                seg = ["ST", "835", f"{st_no:04d}", *seg[3:]]
            if seg[0] == "BPR" and len(seg) > 16:
                seg = [*seg[:16], WEEK_DATES[w], *seg[17:]]
            lines.append("*".join(seg))
            count += 1
        lines.append(f"GE*{n_st}*{900 + w}")
        lines.append(f"IEA*1*{control}")
        target = out_dir / f"week{w + 1}.835"
        target.write_text("~\n".join(lines) + "~\n", encoding="latin-1")
        paths.append(target)
    return paths
