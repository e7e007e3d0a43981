"""Rule documentation from the registry: records, one rule's text, docs/rules.md.

``docs/rules.md`` is generated (``claimkit rules --markdown --out docs/rules.md``)
and a test fails when it is stale, so the docs cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from edi837.engine import Rule, all_rules, matches, split_tokens
from edi837.icd10 import package_set
from edi837.policy import shipped_doc
from edi837.profiles import BUILTIN, builtin
from edi837.tables import Tables


def profile_severities(r: Rule) -> dict[str, str]:
    """The severity each built-in profile gives the rule ("off" when it ignores it)."""
    out = {}
    for name in BUILTIN:
        profile = builtin(name)
        if any(matches(r, t) for t in split_tokens(profile.ignore)):
            out[name] = "off"
            continue
        override = profile.severity.get(r.id) or profile.severity.get(r.name)
        out[name] = str(override or r.severity)
    return out


def rule_record(r: Rule) -> dict[str, Any]:
    return {"rule": r.id, "name": r.name, "category": r.category,
            "severity": str(r.severity), "scope": r.scope, "family": r.family,
            "catalog": list(r.catalog), "summary": r.summary,
            "profiles": profile_severities(r), "why": r.section("Why"),
            "bad": r.section("Bad"), "good": r.section("Good"),
            "references": r.section("References")}


def rule_text(r: Rule) -> str:
    """One rule for the terminal: header, then its docstring sections."""
    profiles = ", ".join(f"{k} {v}" for k, v in profile_severities(r).items())
    lines = [f"{r.id}  {r.name}", r.summary, "",
             f"category: {r.category}    default severity: {r.severity}    scope: {r.scope}",
             f"profiles: {profiles}", f"catalog: {' '.join(r.catalog)}", ""]
    for title in ("Why", "Bad", "Good", "References"):
        lines.append(f"{title}:")
        lines.extend(f"    {line}" if line else "" for line in r.section(title).splitlines())
        lines.append("")
    return "\n".join(lines)


def rules_markdown() -> str:
    """The whole rule reference: an index table, every rule, and the reference data."""
    rules = all_rules()
    out = ["# claimkit scan rules", "",
           "Generated from the rule registry by `claimkit rules --markdown --out docs/rules.md`;",
           "do not edit by hand (a test fails when this file is stale).", "",
           "Ids: `R96372-0NN` for the injection and its drug lines, `R837-0NN` for any 837P",
           "claim or line. Catalog ids (`INJ-0NN`) refer to the domain reference's rule",
           "catalog (§A.12), `POL-0NN` to the billing guide's payer-policy checks it has",
           "no id for (POL-001 timely filing, POL-002 prior authorization); source tags",
           "(`[S1]` ...) to its source list. Severity per profile: `error` holds the claim",
           "by default (`--fail-on error`).", "",
           "| rule | name | category | medicare | medicaid | commercial | checks |",
           "|---|---|---|---|---|---|---|"]
    for r in rules:
        sev = profile_severities(r)
        out.append(f"| [{r.id}](#{r.id.lower()}) | `{r.name}` | {r.category} | "
                   f"{sev['medicare']} | {sev['medicaid']} | {sev['commercial']} | "
                   f"{r.summary} |")
    for r in rules:
        out += ["", f"## {r.id}", "",
                f"**`{r.name}`**: {r.summary}", "",
                f"Category `{r.category}`; default severity `{r.severity}`; scope "
                f"`{r.scope}`; catalog {', '.join(r.catalog)}; family `{r.family}`.", ""]
        out += ["### Why", "", r.section("Why"), ""]
        for title in ("Bad", "Good"):
            out += [f"### {title}", "", "```", r.section(title), "```", ""]
        out += ["### References", "", r.section("References")]
    out += ["", "## Reference data", "",
            "Shipped tables are curated subsets (CMS NCCI/MUE files cannot be",
            "redistributed). Pass the official quarterly files with `--ptp-file`,",
            "`--mue-file` and `--hcpcs-file`.", "",
            "| table | rows | effective | source |", "|---|---|---|---|"]
    for info in Tables.load().info:
        out.append(f"| {info.name} | {info.rows} | {info.effective} | "
                   f"{info.source.replace('|', '/')} |")
    icd10 = package_set()
    if icd10 is not None:
        out.append(f"| icd10cm | {len(icd10.billable)} billable codes | {icd10.period} | "
                   f"{icd10.source}; other years: `--icd10-file` (CMS icd10cm_codes_YYYY.txt) |")
    out += ["", "## Payer profiles", "", "| profile | SBR09 | description | source |",
            "|---|---|---|---|"]
    for name in BUILTIN:
        p = builtin(name)
        indicators = ", ".join(sorted(p.filing_indicators)) or "(any other)"
        out.append(f"| {name} | {indicators} | {p.description} | {p.source} |")
    out += policy_markdown()
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "/")


def policy_markdown() -> list[str]:
    """Filing limits and the policy lists each built-in profile applies, with sources."""
    out = ["", "## Payer policy", "",
           "Filing limits are profile settings, counted from each line's date of service",
           "to the batch date (BHT04). Lists live in `edi837/data/policy.toml`; a profile",
           "names the ones it applies in `[policy]` (a user profile may add or replace",
           "lists: see `docs/audit.md`).", "",
           "| profile | filing limit | warning | source | prior authorization | "
           "covered diagnoses |", "|---|---|---|---|---|---|"]
    for name in BUILTIN:
        policy = builtin(name).policy
        limit = policy.filing_limit
        kinds = {k: ", ".join(p.name for p in policy.lists if p.kind == k) or "(none)"
                 for k in ("prior_authorization", "covered_diagnoses")}
        out.append(f"| {name} | {limit.text if limit else '(none)'} | "
                   f"{f'{limit.warning_days} days' if limit else ''} | "
                   f"{_cell(limit.source) if limit else ''} | {kinds['prior_authorization']} "
                   f"| {kinds['covered_diagnoses']} |")
    out += ["", "| list | kind | drugs | codes | effective | source |",
            "|---|---|---|---|---|---|"]
    doc = shipped_doc()
    for kind in ("prior_authorization", "covered_diagnoses"):
        for list_name, spec in doc.get(kind, {}).items():
            out.append(f"| {list_name} | {kind.replace('_', ' ')} | "
                       f"{' '.join(spec.get('drugs', ())) or '-'} | {' '.join(spec['codes'])} | "
                       f"{spec['effective']} | {_cell(spec['source'])} |")
    return out
