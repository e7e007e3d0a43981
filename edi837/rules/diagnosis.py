"""Diagnosis pointers: SV107 must point at diagnoses the claim's HI segment holds."""

from __future__ import annotations

from edi837.engine import ClaimContext, Hit, rule
from edi837.model import Claim
from x12core.findings import Severity
from x12core.values import is_digits

MAX_POINTERS = 4  # SV107-1 .. SV107-4
MAX_DIAGNOSES = 12  # 2300 HI: up to 12 diagnosis codes
# Valid pointer strings for a claim with n diagnoses: a set lookup per pointer.
_VALID = tuple(frozenset(str(i) for i in range(1, n + 1)) for n in range(MAX_DIAGNOSES + 1))


@rule("R837-020", "diagnosis-pointer-missing", category="diagnosis", severity=Severity.ERROR,
      catalog=("INJ-070",))
def diagnosis_pointer_missing(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A service line with no diagnosis pointer (SV107-1 empty).

    Why:
    Every 837P service line points at the diagnosis it treats: SV107-1 is the
    primary pointer, a position (1-12) in the claim's HI segment. A line without it
    cannot be checked for medical necessity and is rejected (CO-16 / CO-11).

    Bad:
        SV1*HC:96372*40*UN*1~

    Good:
        SV1*HC:96372*40*UN*1***1~

    References:
    Catalog INJ-070. 005010X222A1 loop 2400 SV107 [S25].
    """
    hits: list[Hit] = []
    for line in claim.lines:
        if not line.pointers:
            hits.append(Hit(line.sv1 or line.lx, "SV107-1", f"{line.code or 'line'} has no "
                      f"diagnosis "
                      "pointer", "Set SV107-1 to the HI position (1-12) of the diagnosis this "
                      "service treats.", line=line, value=""))
    return hits


# Component separators submitters commonly use; one of them in HI where ISA16 declares
# another means the diagnoses were written with the wrong separator, not left out.
_COMMON_COMPONENTS = (":", ">", "^", "\\", "<", "|")


def _separator_hint(claim: Claim) -> str:
    """Why a claim with HI segments has no diagnosis: a separator other than ISA16."""
    for seg in claim.hi:
        declared = seg.delimiters.component
        for value in seg.elements[1:]:
            for other in _COMMON_COMPONENTS:
                if other != declared and other in value and declared not in value:
                    return (f"; HI {value[:20]!r} separates its parts with {other!r} but ISA16 "
                            f"declares {declared!r}, so no diagnosis code could be read")
    return ""


@rule("R837-021", "diagnosis-pointer-invalid", category="diagnosis", severity=Severity.ERROR,
      catalog=("INJ-070",))
def diagnosis_pointer_invalid(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """A diagnosis pointer that is not 1-12, points past the HI list, or is a fifth pointer.

    Why:
    SV107 holds up to four pointers, each a position in the 2300 HI segment. A
    pointer beyond the number of diagnoses on the claim points at nothing; the
    line is rejected or the wrong diagnosis is assumed (CO-16, CO-146, CO-167).

    Bad:
        HI*ABK:M5450~
        SV1*HC:96372*40*UN*1***2~

    Good:
        HI*ABK:M5450*ABF:R51~
        SV1*HC:96372*40*UN*1***2~

    References:
    Catalog INJ-070. 005010X222A1 loop 2400 SV107, loop 2300 HI [S25].
    """
    hits: list[Hit] = []
    count = min(len(claim.diagnoses), MAX_DIAGNOSES)
    valid = _VALID[count]
    hint = _separator_hint(claim) if count == 0 else ""
    for line in claim.lines:
        pointers = line.pointers
        if len(pointers) <= MAX_POINTERS and valid.issuperset(pointers):
            continue
        for k, pointer in enumerate(pointers, 1):
            element = f"SV107-{min(k, MAX_POINTERS)}"
            if k > MAX_POINTERS:
                hits.append(Hit(line.sv1, element, f"{line.code} has more than {MAX_POINTERS} "
                          "diagnosis pointers", "Keep at most four pointers in SV107.",
                          line=line, value=pointer))
                break
            if pointer not in valid and not (is_digits(pointer) and 1 <= int(pointer) <= count):
                have = f"the claim has {count} diagnosis code{'s' if count != 1 else ''}"
                hits.append(Hit(line.sv1, element, f"diagnosis pointer {pointer} on {line.code} "
                          f"points "
                          f"at no diagnosis ({have}){hint}",
                          "Point at an HI position that holds a diagnosis, or add the "
                          "diagnosis to the HI segment.", line=line, value=pointer))
    return hits


@rule("R837-022", "diagnosis-pointer-duplicate", category="diagnosis", severity=Severity.ERROR,
      catalog=("INJ-070",))
def diagnosis_pointer_duplicate(claim: Claim, ctx: ClaimContext) -> list[Hit]:
    """The same diagnosis pointer twice on one line.

    Why:
    Each SV107 pointer names a different diagnosis; repeating one is a syntax
    problem many payers reject at the front end (CO-16), and it usually means the
    intended second diagnosis was dropped.

    Bad:
        SV1*HC:96372*40*UN*1***1:1~

    Good:
        SV1*HC:96372*40*UN*1***1:2~

    References:
    Catalog INJ-070. 005010X222A1 loop 2400 SV107 [S25].
    """
    hits: list[Hit] = []
    for line in claim.lines:
        pointers = line.pointers
        if len(pointers) > 1 and len(set(pointers)) != len(pointers):
            seen: set[str] = set()
            for k, pointer in enumerate(pointers, 1):
                if pointer in seen:
                    hits.append(Hit(line.sv1, f"SV107-{min(k, MAX_POINTERS)}", f"diagnosis pointer "
                              f"{pointer} repeats on {line.code}", "Remove the repeated "
                              "pointer or point at the intended other diagnosis.", line=line,
                              value=pointer))
                    break
                seen.add(pointer)
    return hits
