"""`claimkit explain CO-16 M119`: what a group/CARC/RARC combination means and what to do.

Codes are written the way staff write them: ``CO-16``, ``CO16``, ``16``, ``PR-1``,
``M119``, ``CO-16+M119``. RARCs are the ``M``, ``MA`` and ``N`` codes; CARCs are
numbers or a letter and digits (``B7``, ``A1``); a group is CO, PR, OA or PI.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from remit835.causes import Cause, CauseMap

_GROUP = re.compile(r"^(CO|PR|OA|PI|CR)$")
_GROUP_CARC = re.compile(r"^(CO|PR|OA|PI|CR)-?([A-Z]?\d{1,3})$")
_RARC = re.compile(r"^(MA|M|N)\d{1,4}$")
_CARC = re.compile(r"^([A-Z]?\d{1,3})$")


def parse_codes(tokens: list[str]) -> tuple[str, str, tuple[str, ...]]:
    """(group, CARC, RARCs) from the words given; ``ValueError`` names what is wrong."""
    group = carc = ""
    rarcs: list[str] = []
    for token in (t for raw in tokens for t in re.split(r"[+,\s]+", raw.upper()) if t):
        if match := _GROUP.match(token):
            group = match.group(1)
        elif match := _RARC.match(token):
            rarcs.append(token)
        elif (match := _GROUP_CARC.match(token)) or (match := _CARC.match(token)):
            if carc:
                raise ValueError(f"give one reason code (CARC), not {carc} and {token}")
            if match.re is _GROUP_CARC:
                group, carc = match.group(1), match.group(2)
            else:
                carc = match.group(1)
        else:
            raise ValueError(f"{token!r} is not a group code, CARC or RARC "
                             "(examples: CO-16, 16, PR-1, M119, N290)")
    if not (group or carc or rarcs):
        raise ValueError("give at least one code, e.g. `claimkit explain CO-16 M119`")
    return group, carc, tuple(rarcs)


def explain(tokens: list[str], causes: CauseMap) -> dict[str, Any]:
    """The explanation as a record (also the ``--format json`` output)."""
    group, carc, rarcs = parse_codes(tokens)
    codes: list[dict[str, Any]] = []
    if group:
        codes.append({"code": group, "kind": "group", "known": group in causes.groups,
                      "meaning": causes.groups.get(group, "not a 5010 group code")})
    for code, table in ([(carc, causes.carcs)] if carc else []) + [(r, causes.rarcs)
                                                                   for r in rarcs]:
        info = table.get(code)
        codes.append({"code": code, "kind": "CARC" if table is causes.carcs else "RARC",
                      "known": info is not None,
                      "meaning": info.meaning if info else "not in the cause map",
                      "category": info.category if info else "",
                      "alert": bool(info and info.alert), "deactivated": info.end if info else ""})
    cause = causes.classify(group, carc, rarcs) if carc else _remarks_only(rarcs, causes)
    record: dict[str, Any] = {
        "codes": codes, "category": cause.category if cause else "",
        "denial": cause.denial if cause else False,
        "core_scenario": cause.core if cause else None,
        "core_name": causes.core_name(cause.core) if cause else "",
        "action": cause.action if cause else "", "matched": cause.matched if cause else "",
        "unprocessable": bool(cause and cause.unprocessable),
        "mapped": all(c["known"] for c in codes),
        "map": causes.origin, "source": causes.source, "effective": causes.effective,
    }
    if carc and not group and cause:
        as_pr = causes.classify("PR", carc, rarcs)
        if as_pr.action != cause.action:
            record["action_if_pr"] = as_pr.action
    return record


def _remarks_only(rarcs: tuple[str, ...], causes: CauseMap) -> Cause | None:
    """Without a CARC: the first remark that carries a category speaks for itself."""
    for code in rarcs:
        info = causes.rarcs.get(code)
        if info is None:
            return Cause("unmapped", True, None, causes.default_action("unmapped"),
                         f"remark code {code} is not in the cause map", code, code,
                         mapped=False)
        if info.category and not info.alert:
            denial, core, action = causes.resolve_fields(info.category, [info])
            return Cause(info.category, denial, core or None, action, info.meaning, code, code)
    return None


def write_explanation(record: dict[str, Any], out: TextIO) -> None:
    out.write(_title(record) + "\n")
    width = max(len(c["code"]) for c in record["codes"])
    for c in record["codes"]:
        extra = ""
        if c.get("alert"):
            extra = " (alert: informational, does not set the category)"
        if c.get("deactivated"):
            extra += f" (deactivated {c['deactivated']})"
        out.write(f"  {c['code'].ljust(width)}  {c['kind']:<5}  {c['meaning']}{extra}\n")
    if record["category"]:
        kind = "a denial" if record["denial"] else "not a denial"
        out.write(f"Category:  {record['category']} ({kind})\n")
        core = record["core_scenario"]
        out.write(f"CORE:      {f'scenario {core}: ' + record['core_name'] if core else 'none'}\n")
        out.write(f"Action:    {record['action']}\n")
        if record.get("action_if_pr"):
            out.write(f"If PR:     {record['action_if_pr']}\n")
        out.write(f"Matched:   {record['matched']}\n")
    elif len(record["codes"]) == 1 and record["codes"][0]["kind"] == "group":
        out.write("Category:  give a reason code too (e.g. CO-45) for a category\n")
    else:
        out.write("Category:  none (alerts only explain; add the CARC for a category)\n")
    out.write(f"Map:       {record['map']} (codes as of {record['effective']})\n")


def _title(record: dict[str, Any]) -> str:
    codes = record["codes"]
    if len(codes) > 1 and codes[0]["kind"] == "group" and codes[1]["kind"] == "CARC":
        head = [f"{codes[0]['code']}-{codes[1]['code']}"] + [c["code"] for c in codes[2:]]
    else:
        head = [c["code"] for c in codes]
    return " + ".join(head)
