"""One-off official files given on the command line (``--ptp-file`` etc., repeatable).

Each file is read with the same readers ``claimkit data install`` uses, so zips,
their members and ``.xlsx`` copies work as CMS distributes them; a plain text or
CSV export without the CMS file name falls back to the layout-sniffing loaders.
What a file holds is *added* to the tables in use: for a PTP pair, an MUE code or
a HCPCS code it has, its rows win; everything it lacks stays covered.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import date

from edi837.data.loaders import CodeDates, Mue, PtpEdit, load_hcpcs, load_mue, load_ptp
from refdata.kinds import HCPCS, MUE, PTP, TITLES, Parsed, as_date
from refdata.recognise import tables_in
from refdata.sources import sha256_file
from x12core.errors import InputError

OPTION = {PTP: "--ptp-file", MUE: "--mue-file", HCPCS: "--hcpcs-file"}


@dataclass
class Overrides:
    ptp: dict[tuple[str, str], list[PtpEdit]] = field(default_factory=dict)
    mue: dict[str, Mue] = field(default_factory=dict)
    dates: dict[str, CodeDates] = field(default_factory=dict)
    provenance: list[dict[str, object]] = field(default_factory=list)


def _parsed(path: str, kind: str) -> list[Parsed] | None:
    """The tables of ``kind`` in ``path`` via the installer's readers; ``None`` when the
    file is not recognised by name (a hand-made export: use the sniffing loaders)."""
    try:
        found = tables_in(path, date.today())
    except InputError as err:
        packed = path.lower().endswith((".zip", ".xlsx", ".xlsm"))
        if "no code table claimkit reads" in str(err) and not packed:
            return None
        raise
    mine = [p for p in found if p.kind == kind]
    if not mine:
        other = ", ".join(sorted({TITLES[p.kind] for p in found}))
        raise InputError(f"{path}: holds {other}, not what {OPTION[kind]} takes")
    return mine


def load_overrides(ptp_files: tuple[str | os.PathLike[str], ...],
                   mue_files: tuple[str | os.PathLike[str], ...],
                   hcpcs_files: tuple[str | os.PathLike[str], ...],
                   keep: frozenset[str]) -> Overrides:
    """Read every file; PTP pairs are kept when they involve a code in ``keep``."""
    out = Overrides()
    for path in map(os.fspath, ptp_files):
        parsed = _parsed(path, PTP)
        try:
            if parsed is None:
                edits = load_ptp(path, lambda a, b: a in keep or b in keep, tuple(keep))
            else:
                edits = [PtpEdit(c1, c2, as_date(eff), as_date(dele), mod, why)
                         for p in parsed for c1, c2, eff, dele, mod, why in p.rows()
                         if c1 in keep or c2 in keep]
        except csv.Error as err:
            raise InputError(f"{path}: not a readable PTP file ({err})") from None
        pairs: dict[tuple[str, str], list[PtpEdit]] = {}
        for e in edits:
            pairs.setdefault((e.column1, e.column2), []).append(e)
        out.ptp.update(pairs)
        out.provenance.append(_record(PTP, path, parsed, len(edits)))
    for path in map(os.fspath, mue_files):
        parsed = _parsed(path, MUE)
        try:
            rows = load_mue(path) if parsed is None else [
                Mue(code, value, mai, why) for p in parsed
                for code, value, mai, why in p.rows()]
        except csv.Error as err:
            raise InputError(f"{path}: not a readable MUE file ({err})") from None
        out.mue.update((m.code, m) for m in rows)
        out.provenance.append(_record(MUE, path, parsed, len(rows)))
    for path in map(os.fspath, hcpcs_files):
        parsed = _parsed(path, HCPCS)
        try:
            dates = load_hcpcs(path) if parsed is None else [
                CodeDates(r[0], as_date(r[7]), as_date(r[9]), "", r[1])  # type: ignore[arg-type]
                for p in parsed for r in p.rows()]
        except csv.Error as err:
            raise InputError(f"{path}: not a readable HCPCS file ({err})") from None
        out.dates.update((d.code, d) for d in dates)
        out.provenance.append(_record(HCPCS, path, parsed, len(dates)))
    return out


def _record(kind: str, path: str, parsed: list[Parsed] | None, rows: int) -> dict[str, object]:
    first = parsed[0] if parsed else None
    return {"kind": kind, "title": TITLES[kind], "version": first.version if first else
            "as published", "source": f"user file ({OPTION[kind]})",
            "effective": {"start": first.start.isoformat() if first and first.start else None,
                          "end": first.end.isoformat() if first and first.end else None},
            "sha256": [sha256_file(path)], "files": [os.path.basename(path)], "rows": rows}
