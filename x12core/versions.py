"""Which X12 version a functional group or transaction set declares (GS08 / ST03).

``scan`` and ``remit`` read 5010 guides only (005010X222A1 837P, 005010X221A1 835).
A 4010 file (``004010X098A1`` professional, ``004010X096A1`` institutional,
``004010X091A1`` remittance) has other loops and code lists: scanning it as 5010 gave
false errors, so the read-only commands refuse it with one line. ``validate`` keeps
reporting whatever pyx12 says about it.
"""

from __future__ import annotations

from x12core.errors import InputError
from x12core.values import is_digits

FIRST_SUPPORTED = "005010"


def declared_version(gs08: str, st03: str) -> str:
    """ST03 when present (it overrides GS08 for its set), else GS08."""
    return (st03 or gs08).strip()


def is_pre_5010(version: str) -> bool:
    """``004010X098A1``, ``003070``... are older than 5010; blank or odd text is not judged."""
    head = version[:6]
    return len(head) == 6 and is_digits(head) and head < FIRST_SUPPORTED


def refuse_pre_5010(name: str, gs08: str, st03: str, reads: str) -> None:
    """Raise one clear line when GS08 or ST03 names a version before 5010."""
    for version in (st03.strip(), gs08.strip()):
        if version and is_pre_5010(version):
            raise InputError(f"{name}: version {version} is X12 {version[:6].lstrip('0')} "
                             f"(before 5010); {reads}")
