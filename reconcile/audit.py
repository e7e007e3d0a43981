"""The audit scorecard: scan findings and, with remittances, denials per provider, payer, batch.

    from reconcile.audit import build_scorecard
    card = build_scorecard(["jan.837", "feb.837"], ["jan.835", "feb.835"])
    for row in card.records():            # overall, then per provider, payer, batch date
        print(row["dimension"], row["key"], row["clean_rate"], row.get("denial_rate"))

The 837 side is :class:`reconcile.audit_groups.ClaimAudit` (claims, clean rate, findings by
audit group). With remittances, :class:`~reconcile.engine.Reconciler` matches
them to the claims (it is called, not copied) and each row also gets a
:class:`~reconcile.totals.Totals` of its claims' results: claims
remitted, claims with a denial, denied dollars and the top root causes (denial
categories by dollars). The reconciler scans the claim files itself, so the claims
are scanned twice (once here for providers and batch dates, which its compact
index does not keep); the two scans see the same claims in the same order, which
is checked claim by claim.

Rows: ``overall`` (one), ``provider`` (billing NPI), ``payer`` (payer id),
``batch`` (BHT04 date: several files of one date are one batch; sorted by date,
they are the trend).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from edi837.scan import ScanOptions
from edi837.scan_parallel import ParallelScanner
from reconcile.audit_groups import DIMENSIONS, OTHER, ClaimAudit, Groups, Tally, load_groups, rate
from reconcile.engine import ClaimResult, Reconciler
from reconcile.totals import Totals
from remit835.causes import CauseMap
from remit835.model import money
from remit835.parse import check_835
from x12core.parallel import Pool

TOP_CAUSES = 3


@dataclass
class RemitTally:
    """One row's remittance side: the reconciliation totals of its claims."""

    totals: Totals = field(default_factory=Totals)
    with_denial: int = 0  # claims with a denied or partly denied line (or a claim denial)

    def add(self, result: ClaimResult) -> None:
        self.totals.add_result(result)
        self.with_denial += bool(result.denial_categories) and result.status != "reversed"

    def record(self, top: int = TOP_CAUSES) -> dict[str, Any]:
        t = self.totals
        remitted = t.claims_remitted
        causes = t.summary()["denied_by_category"]
        return {"remitted": remitted, "denied_claims": t.claim_status["denied"],
                "partial_claims": t.claim_status["partial"],
                "claims_with_denial": self.with_denial,
                "denial_rate": rate(self.with_denial, remitted), "paid": money(t.paid),
                "denied": money(t.denied), "top_causes": causes[:top]}


class Scorecard:
    """Everything ``claimkit audit`` reports, filled by :func:`build_scorecard`."""

    def __init__(self, groups: Groups, claim_files: Sequence[str],
                 remit_files: Sequence[str]) -> None:
        self.claims = ClaimAudit(groups)
        self.claim_files = list(claim_files)
        self.remit_files = list(remit_files)
        self.remits: dict[tuple[str, str], RemitTally] | None = None
        self.unmatched_remits = 0
        self.top = TOP_CAUSES
        self.reference_data: list[dict[str, Any]] = []  # the code tables that judged the claims

    @property
    def groups(self) -> Groups:
        return self.claims.groups

    def shown_groups(self) -> tuple[str, ...]:
        """Groups for people (text, html): "other" only when something fell into it."""
        other = self.claims.overall.findings[OTHER]
        return tuple(g for g in self.groups.order if g != OTHER or other)

    def rows(self) -> list[tuple[str, str, Tally]]:
        return [(d, key, tally) for d in DIMENSIONS for key, tally in self.claims.ordered(d)]

    def records(self) -> list[dict[str, Any]]:
        """One record per row: the contract-style dict the renderers share."""
        out = []
        for dimension, key, tally in self.rows():
            record = {"dimension": dimension, "key": key, **tally.record(self.groups)}
            if dimension == "batch":
                record["batch_ids"] = sorted(tally.batch_ids)
            if self.remits is not None:
                remit = self.remits.get((dimension, key)) or RemitTally()
                record.update(remit.record(self.top))
            out.append(record)
        return out

    def summary(self) -> dict[str, Any]:
        overall = self.claims.overall
        s: dict[str, Any] = {
            "claim_files": len(self.claim_files), "remit_files": len(self.remit_files),
            "batches": len(self.claims.rows["batch"]), "claims": overall.claims,
            "clean": overall.clean, "held": overall.claims - overall.clean,
            "clean_rate": rate(overall.clean, overall.claims),
            "findings": {g: overall.findings[g] for g in self.groups.order},
            "file_findings": self.claims.file_findings,
            "groups": {k: {"title": self.groups.titles[k],
                           "categories": list(v.get("categories", [])),
                           "rules": list(v.get("rules", []))}
                       for k, v in self.groups.spec.items()},
        }
        if self.remits is not None:
            tally = self.remits[("overall", "all")]
            mine = tally.record(self.top)
            s["remits"] = {**{k: mine[k] for k in ("remitted", "claims_with_denial",
                                                  "denial_rate", "paid", "denied")},
                           "unmatched_remits": self.unmatched_remits,
                           "denied_by_category": tally.totals.summary()["denied_by_category"]}
        return s


def build_scorecard(claim_files: Sequence[str | os.PathLike[str]],
                    remit_files: Sequence[str | os.PathLike[str]] = (), *,
                    options: ScanOptions | None = None, causes: CauseMap | None = None,
                    groups: Groups | None = None, top: int = TOP_CAUSES,
                    pool: Pool | None = None) -> Scorecard:
    """Scan the claims (and reconcile the remits); every input is read before returning.

    Raises :class:`~x12core.errors.ClaimkitError` for a file that cannot be read, is
    not X12, or is the wrong transaction set, before the long passes start.
    """
    options = options or ScanOptions()
    claim_paths = [os.fspath(p) for p in claim_files]
    remit_paths = [os.fspath(p) for p in remit_files]
    card = Scorecard(groups or load_groups(), claim_paths, remit_paths)
    card.top = top
    scanner = ParallelScanner(options, pool or Pool())
    scans = [scanner.scan(p, full=True) for p in claim_paths]  # preflight every file first
    for path in remit_paths:
        check_835(path)
    keys: list[tuple[str, str, str, str]] = []  # per claim: id, provider, payer, batch
    for scan in scans:
        card.claims.files += 1
        for result in scan:
            keys.append((result.claim.id, *card.claims.add(result)))
        card.claims.file_findings += len(scan.file_findings)
    card.reference_data = scanner.engine.tables.reference_data()
    if remit_paths:
        _add_remits(card, keys, Reconciler(claim_paths, remit_paths, scan_options=options,
                                           causes=causes, pool=pool))
    return card


def _add_remits(card: Scorecard, keys: list[tuple[str, str, str, str]],
                rec: Reconciler) -> None:
    tallies: dict[tuple[str, str], RemitTally] = {("overall", "all"): RemitTally()}
    sent = 0
    for result in rec.results():
        if not result.sent:
            card.unmatched_remits += 1
            continue
        claim_id, *row_keys = keys[sent]
        if claim_id != result.claim_id:  # the two scans must agree claim by claim
            raise RuntimeError(f"audit: claim {sent + 1} is {claim_id} in the scan and "
                               f"{result.claim_id} in the reconciliation")
        sent += 1
        tallies[("overall", "all")].add(result)
        for dimension, key in zip(DIMENSIONS[1:], row_keys, strict=True):
            tally = tallies.get((dimension, key))
            if tally is None:
                tally = tallies[(dimension, key)] = RemitTally()
            tally.add(result)
    card.remits = tallies
