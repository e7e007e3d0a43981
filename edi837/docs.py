"""Rule documentation from the registry: records, one rule's text, docs/rules.md.

``docs/rules.md`` is generated (``claimkit rules --markdown --out docs/rules.md``)
and a test fails when it is stale, so the docs cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from edi837.engine import Rule, all_rules, matches, split_tokens
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
           "catalog (§A.12); source tags (`[S1]` ...) to its source list. Severity per",
           "profile: `error` holds the claim by default (`--fail-on error`).", "",
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
    out += ["", "## Payer profiles", "", "| profile | SBR09 | description | source |",
            "|---|---|---|---|"]
    for name in BUILTIN:
        p = builtin(name)
        indicators = ", ".join(sorted(p.filing_indicators)) or "(any other)"
        out.append(f"| {name} | {indicators} | {p.description} | {p.source} |")
    return "\n".join(out) + "\n"
