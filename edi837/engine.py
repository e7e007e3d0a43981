"""The rule engine: payer profiles, running rules, locating findings.

A rule judges, the engine locates. A rule is a function registered with
:func:`~edi837.registry.rule` (:mod:`edi837.registry` also selects rules by id,
prefix or name); it yields :class:`Hit` values ("this segment, this element, this
message and fix") and the engine turns each into a :class:`~x12core.findings.Finding`
with the rule's id, name and category, the severity the claim's payer profile
gives it, and the file, control numbers, claim id, LX line number, segment index
and file line.

Two scopes:

* ``claim`` rules see one claim (``check(claim, ctx)``).
* ``patient`` rules see every claim of one patient loop (2000B or 2000C) at once
  (``check(claims, ctx)``), for limits that payers count across claims (MUE units
  per patient and date). What earlier loops and files of the same run billed is in
  ``ctx.index`` (:class:`~edi837.run_index.RunIndex`: a compact index keyed by
  payer + member id + birth date + name, at most 20,000 entries in memory, the
  rest in a temporary SQLite file), so a patient split over loops or files is
  still added up while memory stays flat.

Adding a family of rules is adding a module under ``edi837/rules`` (and data and
profile settings); the engine does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from edi837.model import Claim, ServiceLine
from edi837.profiles import Profile, ProfileChooser
from edi837.registry import (
    REGISTRY,
    Hit,
    Rule,
    all_rules,
    find_rule,
    matches,
    rule,
    select_rules,
    split_tokens,
)
from edi837.run_index import RunIndex, flush
from edi837.tables import Tables
from x12core.errors import InputError
from x12core.findings import Finding, Location, Severity

# Re-exported: rule modules import ``Hit`` and ``rule`` from here next to ClaimContext.
__all__ = ["REGISTRY", "ClaimContext", "Engine", "Hit", "PatientContext", "Rule", "all_rules",
           "find_rule", "locate", "matches", "rule", "select_rules", "split_tokens"]


class ClaimContext:
    """What a claim rule may read besides the claim: profile, tables, per-claim indexes."""

    __slots__ = ("_by_date", "claim", "codes", "first_day", "last_day", "line_providers",
                 "memo", "modifiers", "profile", "tables", "zero_charge")

    def __init__(self, claim: Claim, profile: Profile, tables: Tables) -> None:
        self.claim = claim
        self.profile = profile
        self.tables = tables
        codes = set()
        modifiers: set[str] = set()
        # Facts several rule families read, gathered in the one pass over the lines.
        first = last = None
        zero = providers = False
        for line in claim.lines:
            codes.add(line.code)
            if line.modifiers:
                modifiers.update(line.modifiers)
            start = line.service_date
            if start is not None:
                end = line.service_date_end or start
                if first is None or start < first:
                    first = start
                if last is None or end > last:
                    last = end
            charge = line.charge
            if charge is not None and not charge:
                zero = True
            if line.providers:
                providers = True
        self.codes = codes
        self.modifiers = modifiers
        self.first_day: date | None = first  # earliest DTP*472 date
        self.last_day: date | None = last  # latest DTP*472 date (the end of a range)
        self.zero_charge = zero  # a line with SV102 = 0
        self.line_providers = providers  # a 2420x provider loop on some line
        self.memo: dict[str, object] = {}  # results rules of one family share
        self._by_date: dict[date | None, list[ServiceLine]] | None = None

    @property
    def by_date(self) -> dict[date | None, list[ServiceLine]]:
        """Service lines grouped by DTP*472 date (``None``: line without a date)."""
        if self._by_date is None:
            groups: dict[date | None, list[ServiceLine]] = {}
            for line in self.claim.lines:
                groups.setdefault(line.service_date, []).append(line)
            self._by_date = groups
        return self._by_date

    def lines_on(self, day: date | None) -> list[ServiceLine]:
        return self.by_date.get(day, [])


@dataclass
class PatientContext:
    """What a patient-scope rule may read: the tables and each claim's profile."""

    tables: Tables
    profiles: dict[int, Profile] = field(default_factory=dict)  # id(claim) -> profile
    # What earlier patient loops and files of the run billed (bounded; see run_index).
    index: RunIndex = field(default_factory=RunIndex)
    memo: dict[object, object] = field(default_factory=dict)  # shared by this loop's rules

    def profile_for(self, claim: Claim) -> Profile:
        return self.profiles[id(claim)]


@dataclass
class _Plan:
    """The rules one profile runs, with a cache of which apply to a claim's code mix.

    Each claim is probed once against the distinct pre-filter sets (``needs``,
    ``needs_modifier``); the bitmask of probes it meets picks a cached list of the
    rules to call, so the engine does no per-rule filtering on the hot path.
    """

    claim_rules: list[tuple[Rule, Severity | None, int]]  # rule, override, required bits
    patient_rules: dict[str, tuple[Rule, Severity | None]]
    code_probes: tuple[frozenset[str], ...]
    modifier_probes: tuple[frozenset[str], ...]
    cache: dict[int, tuple[Callable[..., Iterable[Hit]], ...]] = field(default_factory=dict)
    code_masks: dict[str, int] = field(default_factory=dict)
    modifier_masks: dict[str, int] = field(default_factory=dict)
    # check function -> (rule, severity override): looked up only when a rule hits, so
    # the per-claim loop is over bare functions (most calls find nothing).
    owner: dict[Callable[..., Iterable[Hit]], tuple[Rule, Severity | None]] = \
        field(default_factory=dict)

    def __post_init__(self) -> None:
        for r, override, _ in self.claim_rules:
            if r.check in self.owner:
                raise ValueError(f"{r.id}: its check function is another rule's")
            self.owner[r.check] = (r, override)

    def runnable(self, codes: set[str], modifiers: set[str]
                 ) -> tuple[Callable[..., Iterable[Hit]], ...]:
        """The check function of each rule this claim meets (:attr:`owner` names it)."""
        # The mask is the OR of each code's (and modifier's) own mask, cached per code:
        # a batch uses a few hundred codes, so a claim costs a dict lookup per code
        # instead of a set probe per pre-filter set.
        mask = 0
        code_masks = self.code_masks
        for code in codes:
            bits = code_masks.get(code)
            if bits is None:
                bits = _bits(code, self.code_probes, 0, code_masks)
            mask |= bits
        if modifiers:
            modifier_masks = self.modifier_masks
            for modifier in modifiers:
                bits = modifier_masks.get(modifier)
                if bits is None:
                    bits = _bits(modifier, self.modifier_probes, len(self.code_probes),
                                 modifier_masks)
                mask |= bits
        rules = self.cache.get(mask)
        if rules is None:
            rules = self.cache[mask] = tuple(r.check for r, _, need in self.claim_rules
                                             if need & mask == need)
        return rules


_MASK_CACHE_LIMIT = 50_000


def _bits(value: str, probes: tuple[frozenset[str], ...], shift: int,
          cache: dict[str, int]) -> int:
    """The probes (pre-filter sets) that hold ``value``, as bits from ``shift`` on."""
    bits = 0
    for i, probe in enumerate(probes):
        if value in probe:
            bits |= 1 << (shift + i)
    if len(cache) < _MASK_CACHE_LIMIT:
        cache[value] = bits
    return bits


class Engine:
    """Run the selected rules over claims, each with its payer profile."""

    def __init__(self, tables: Tables, rules: Sequence[Rule], chooser: ProfileChooser) -> None:
        self.tables = tables
        self.rules = list(rules)
        self.chooser = chooser
        self._plans: dict[str, _Plan] = {}
        self._patient_cache: dict[frozenset[str], list[tuple[Rule, tuple[frozenset[str],
                                                                          ...]]]] = {}
        self.index = RunIndex()  # cross-loop, cross-file memory of the run, bounded
        self._one_name: dict[str, frozenset[str]] = {}
        for profile in chooser.profiles():
            self._plan(profile)  # validates the profile's rule references up front

    def _plan(self, profile: Profile) -> _Plan:
        plan = self._plans.get(profile.name)
        if plan is not None:
            return plan
        everything = all_rules()
        for key in profile.severity:
            if not any(r.id == key or r.name == key for r in everything):
                raise InputError(f"{profile.path}: [severity] names unknown rule {key!r}")
        if profile.ignore:
            select_rules((), profile.ignore, everything, where=profile.path)
        enabled = [r for r in self.rules
                   if not any(matches(r, t) for t in split_tokens(profile.ignore))]
        sets = self.tables.sets
        code_names = sorted({n for r in enabled for n in r.needs})
        mod_names = sorted({r.needs_modifier for r in enabled if r.needs_modifier})
        bits = {name: 1 << i for i, name in enumerate(code_names)}
        bits.update({f"mod:{name}": 1 << (len(code_names) + i)
                     for i, name in enumerate(mod_names)})
        claim_rules: list[tuple[Rule, Severity | None, int]] = []
        patient_rules: dict[str, tuple[Rule, Severity | None]] = {}
        for r in enabled:
            override = profile.severity.get(r.id) or profile.severity.get(r.name)
            if r.scope == "patient":
                patient_rules[r.id] = (r, override)
                continue
            need = 0
            for name in r.needs:
                need |= bits[name]
            if r.needs_modifier:
                need |= bits[f"mod:{r.needs_modifier}"]
            claim_rules.append((r, override, need))
        # ``needs`` names a table set, or a set of the profile's policy ("policy:...").
        policy_sets = profile.policy.sets
        plan = self._plans[profile.name] = _Plan(
            claim_rules, patient_rules,
            tuple(policy_sets[n] if n.startswith("policy:") else sets[n] for n in code_names),
            tuple(sets[n] for n in mod_names))
        return plan

    def profile_for(self, claim: Claim) -> Profile:
        return self.chooser.for_indicator(claim.subscriber.filing_indicator)

    def check(self, claims: Sequence[Claim]) -> list[tuple[Profile, list[Finding]]]:
        """Findings for each claim of one patient loop, in the order given."""
        out: list[tuple[Profile, list[Finding]]] = []
        profiles: dict[int, Profile] = {}
        tables = self.tables
        group_codes: set[str] = set()
        plans = self._plans
        for claim in claims:
            profile = self.profile_for(claim)
            profiles[id(claim)] = profile
            ctx = ClaimContext(claim, profile, tables)
            group_codes |= ctx.codes
            findings: list[Finding] = []
            plan = plans.get(profile.name) or self._plan(profile)
            for check in plan.runnable(ctx.codes, ctx.modifiers):
                hits = check(claim, ctx)
                if hits:  # rules return a list (empty: the common case), or any iterable
                    r, override = plan.owner[check]
                    for hit in hits:
                        findings.append(locate(r, override or hit.severity or r.severity, hit,
                                               claim))
            out.append((profile, findings))
        self._check_patient(claims, profiles, group_codes, out)
        for _, findings in out:
            if len(findings) > 1:
                findings.sort(key=_order)
        return out

    def _patient_rules(self, names: frozenset[str]) -> list[tuple[Rule, tuple[frozenset[str],
                                                                                ...]]]:
        """Patient-scope rules any of these profiles applies, with their pre-filter sets."""
        found = self._patient_cache.get(names)
        if found is None:
            sets = self.tables.sets
            merged = {rid: entry[0] for name in sorted(names)
                      for rid, entry in self._plans[name].patient_rules.items()}
            found = self._patient_cache[names] = [
                (r, tuple(sets[n] for n in r.needs)) for r in merged.values()]
        return found

    def _check_patient(self, claims: Sequence[Claim], profiles: dict[int, Profile],
                       codes: set[str], out: list[tuple[Profile, list[Finding]]]) -> None:
        if len(claims) == 1:
            names = self._one_name.get(out[0][0].name)
            if names is None:
                names = self._one_name[out[0][0].name] = frozenset((out[0][0].name,))
        else:
            names = frozenset(p.name for p in profiles.values())
        runnable = []
        for r, needs in self._patient_rules(names):
            for n in needs:
                if n.isdisjoint(codes):
                    break
            else:
                runnable.append(r)
        if not runnable:
            return
        pctx = PatientContext(self.tables, profiles, self.index)
        self._run_patient(runnable, claims, profiles, pctx, out)
        flush(pctx)  # what the loop's rules recorded goes back into the run index

    def _run_patient(self, runnable: list[Rule], claims: Sequence[Claim],
                     profiles: dict[int, Profile], pctx: PatientContext,
                     out: list[tuple[Profile, list[Finding]]]) -> None:
        where: dict[int, int] | None = None
        for r in runnable:
            for hit in r.check(claims, pctx):
                claim = hit.claim
                if claim is None:
                    raise ValueError(f"{r.id}: patient-scope hit without a claim")
                entry = self._plans[profiles[id(claim)].name].patient_rules.get(r.id)
                if entry is None:
                    continue  # this claim's profile does not apply the rule
                severity = entry[1] or hit.severity or r.severity
                if where is None:
                    where = {id(c): i for i, c in enumerate(claims)}
                out[where[id(claim)]][1].append(locate(r, severity, hit, claim))


def _order(f: Finding) -> tuple[int, str]:
    return (f.location.segment_index or 0, f.rule)


def locate(r: Rule, severity: Severity, hit: Hit, claim: Claim) -> Finding:
    """The finding for ``hit``: identity from the rule, place from the claim and segment."""
    seg = hit.segment
    value = hit.value
    if value is None:
        value = seg.get(hit.element) if (seg is not None and hit.element) else ""
    txn = claim.transaction
    line = hit.line
    loc = Location(
        file=claim.file,
        interchange=txn.interchange.control if txn.interchange else "",
        group=txn.group.control if txn.group else "",
        transaction=txn.control, claim_id=claim.id,
        line_number=line.number if line is not None else None,
        segment=seg.tag if seg is not None else "",
        segment_index=seg.index if seg is not None else None,
        segment_position=(seg.position or None) if seg is not None else None,
        file_line=seg.line if seg is not None else None,
        element=hit.element, value=value)
    return Finding(r.id, r.category, severity, hit.message, hit.fix, loc, name=r.name)
