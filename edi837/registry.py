"""The rule registry: rules, what they report, and choosing rules by id, prefix or name.

A rule is a function registered with :func:`rule`: an id (``R96372-001``), a readable
name (``injection-without-drug``), a contract category, a default severity and a
docstring with Why / Bad / Good / References sections, which is its documentation
(``claimkit rules ID``, ``docs/rules.md``). It yields :class:`Hit` values; the engine
(:mod:`edi837.engine`) turns them into findings.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from edi837.model import Claim, ServiceLine
from x12core.errors import InputError
from x12core.findings import CATEGORY_SET, Severity
from x12core.segment import Segment

SCOPES = ("claim", "patient")


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports; the engine adds identity and location."""

    segment: Segment | None
    element: str
    message: str
    fix: str
    line: ServiceLine | None = None
    value: str | None = None  # default: the element's value in ``segment``
    severity: Severity | None = None  # only when the rule's severity depends on the data
    claim: Claim | None = None  # patient-scope rules: which claim the hit belongs to


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    category: str
    severity: Severity
    check: Callable[..., Iterable[Hit]]
    catalog: tuple[str, ...] = ()
    scope: str = "claim"
    # code sets (tables.sets, or "policy:..." sets of the claim's profile, see
    # edi837.policy.Policy.sets): each must meet the claim's codes
    needs: tuple[str, ...] = ()
    needs_modifier: str = ""  # a modifier set: one of them must be on some line
    family: str = ""

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.split("\n", 1)[0]

    def section(self, title: str) -> str:
        """A docstring section ("Why", "Bad", "Good", "References") as text."""
        out: list[str] = []
        inside = False
        for line in self.doc.splitlines():
            if line.rstrip(":") in ("Why", "Bad", "Good", "References") and line.endswith(":"):
                inside = line[:-1] == title
                continue
            if inside:
                out.append(line)
        return textwrap.dedent("\n".join(out)).strip("\n")


REGISTRY: dict[str, Rule] = {}


def rule(id: str, name: str, *, category: str, severity: Severity,
         catalog: Sequence[str] = (), scope: str = "claim", needs: str | Sequence[str] = (),
         needs_modifier: str = "") -> Callable[[Callable[..., Iterable[Hit]]],
                                               Callable[..., Iterable[Hit]]]:
    """Register a rule function. Its docstring is its documentation.

    ``needs`` names code sets (``Tables.sets``, or ``policy:...`` sets of the claim's
    profile) of which the claim must hold at least one code each,
    and ``needs_modifier`` a set of modifiers one of which must be on the claim,
    for the rule to run: a cheap pre-filter that keeps the hot path lean.
    """

    def register(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        if category not in CATEGORY_SET:
            raise ValueError(f"{id}: category {category!r} is not in the contract vocabulary")
        if scope not in SCOPES:
            raise ValueError(f"{id}: scope must be one of {SCOPES}")
        if id in REGISTRY or any(r.name == name for r in REGISTRY.values()):
            raise ValueError(f"{id}/{name}: rule registered twice")
        doc = inspect.cleandoc(fn.__doc__ or "")
        for part in ("Why:", "Bad:", "Good:", "References:"):
            if part not in doc:
                raise ValueError(f"{id}: docstring needs a {part[:-1]} section")
        family = fn.__module__.rsplit(".", 1)[-1]
        REGISTRY[id] = Rule(id, name, category, severity, fn, tuple(catalog), scope,
                            (needs,) if isinstance(needs, str) else tuple(needs), needs_modifier,
                            family)
        return fn

    return register


def all_rules() -> list[Rule]:
    """Every registered rule, by id (importing the rule families registers them)."""
    import edi837.rules  # noqa: F401 - registers the families

    return sorted(REGISTRY.values(), key=lambda r: r.id)


def find_rule(token: str) -> Rule | None:
    """A rule by exact id or name (case-insensitive id)."""
    for r in all_rules():
        if r.id.lower() == token.lower() or r.name == token:
            return r
    return None


def matches(r: Rule, token: str) -> bool:
    low = token.lower()
    return (r.id.lower().startswith(low) or r.name == low or r.category == low
            or r.family == low.replace("-", "_"))


def split_tokens(values: Iterable[str]) -> list[str]:
    return [t.strip() for v in values for t in v.split(",") if t.strip()]


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = (),
                 rules: Sequence[Rule] | None = None, where: str = "--select") -> list[Rule]:
    """Rules chosen by id, id prefix, name, category or family; unknown tokens are errors."""
    pool = list(rules) if rules is not None else all_rules()
    chosen = pool
    sel = split_tokens(select)
    if sel:
        for token in sel:
            if not any(matches(r, token) for r in pool):
                raise InputError(f"{where}: no rule matches {token!r} (see `claimkit rules`)")
        chosen = [r for r in pool if any(matches(r, t) for t in sel)]
    ign = split_tokens(ignore)
    for token in ign:
        if not any(matches(r, token) for r in pool):
            raise InputError(f"--ignore: no rule matches {token!r} (see `claimkit rules`)")
    return [r for r in chosen if not any(matches(r, t) for t in ign)]
