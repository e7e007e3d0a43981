"""Property: over generated batches, a split loses no claim, duplicates none, changes no byte.

Batches vary in interchanges, groups, transaction sets, billing providers,
subscribers, 2000C patients, claims, service lines, which claims are held,
delimiters and line endings. Invariants checked on every example:

* every input claim is in exactly one output, the one its decision names;
* each claim's bytes are identical and it sits under the same loops as before;
* HL01 is 1..n per set, HL02 points at an earlier HL, HL04 says whether a child follows;
* SE01, GE01, IEA01 and the control-number pairs are right (our envelope checks);
* no ISA13 appears in both outputs.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edi837.split import split_file
from tests.test_split import envelope_problems
from tests.test_split_batches import (
    BatchSpec,
    ClaimSpec,
    PatientSpec,
    ProviderSpec,
    Style,
    SubscriberSpec,
    claims_of,
    hierarchy_problems,
    read_claims,
    render,
)
from x12core.reader import SegmentReader

_ids = iter(range(10**9))


def _claims(max_size: int) -> st.SearchStrategy[list[ClaimSpec]]:
    claim = st.builds(lambda lines, held: ClaimSpec(f"C{next(_ids)}", lines, held),
                      st.integers(1, 3), st.booleans())
    return st.lists(claim, max_size=max_size)


_patient = st.builds(PatientSpec, _claims(3).filter(bool))
_subscriber = st.builds(SubscriberSpec, _claims(3), st.lists(_patient, max_size=2)).filter(
    lambda s: s.claims or s.patients)
_provider = st.builds(ProviderSpec, st.lists(_subscriber, min_size=1, max_size=3))
_set = st.lists(_provider, min_size=1, max_size=2)
_batch: st.SearchStrategy[BatchSpec] = st.lists(
    st.lists(st.lists(_set, min_size=1, max_size=2), min_size=1, max_size=2),
    min_size=1, max_size=2)
_style = st.sampled_from([Style(), Style(newline="\r\n"), Style(newline=""),
                          Style("|", ">", "~", "\n"), Style("*", ":", "\n", "")])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=_batch, style=_style)
def test_split_invariants(batch: BatchSpec, style: Style) -> None:
    specs = list(claims_of(batch))
    held = {c.id for c in specs if c.held}
    with tempfile.TemporaryDirectory() as tmp:
        src, clean, held_out = Path(tmp, "in.837"), Path(tmp, "c.837"), Path(tmp, "h.837")
        src.write_bytes(render(batch, style).encode("latin-1"))
        originals = read_claims(src)
        source = {c.id: c for c in originals}
        assert len(source) == len(originals) == len(specs)

        result = split_file(src, clean, held_out, lambda ref: ref.claim_id in held)

        outputs = {name: read_claims(path) if path.exists() else []
                   for name, path in (("clean", clean), ("held", held_out))}
        placed = Counter(c.id for claims in outputs.values() for c in claims)
        assert placed == Counter(c.id for c in originals)  # none lost, none duplicated
        assert {c.id for c in outputs["held"]} == held
        assert (result.clean.claims, result.held.claims) == (len(specs) - len(held), len(held))
        for claims in outputs.values():
            for c in claims:
                original = source[c.id]
                assert (c.raw, c.context, c.levels) == (original.raw, original.context,
                                                        original.levels)
        isa13: list[str] = []
        for path in (clean, held_out):
            if not path.exists():
                continue
            assert hierarchy_problems(path) == []
            assert envelope_problems(path) == []
            isa13 += [s[13] for s in SegmentReader(path) if s.tag == "ISA"]
        assert len(isa13) == len(set(isa13))
        assert sorted(p.name for p in Path(tmp).iterdir()) == sorted(
            ["in.837"] + [p.name for p in (clean, held_out) if p.exists()])
