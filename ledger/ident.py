"""What a file is before it is read in full: its kind, envelope control numbers and digest."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from x12core.errors import InputError
from x12core.reader import SegmentReader

KINDS = {"837": "837", "835": "835", "999": "999", "277": "277"}
_HEAD_SEGMENTS = 60  # the dates we want sit in the first few segments after ST


@dataclass(frozen=True, slots=True)
class FileIdentity:
    path: str
    sha256: str
    kind: str  # 837 | 835 | 999 | 277
    sender: str  # ISA06
    isa13: str
    gs06: str
    st02: str  # the first transaction set's
    date: str  # 837 BHT04, 835 BPR16 (else DTM*405), acks GS04: CCYYMMDD


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"{os.fspath(path)}: cannot read ({exc.strerror})") from None
    return digest.hexdigest()


def identify(path: str | os.PathLike[str]) -> FileIdentity:
    """Kind and control numbers from the head of the interchange; raises for non-X12."""
    name = os.fspath(path)
    sender = isa13 = gs06 = st01 = st02 = gs04 = day = ""
    after_st = 0
    for seg in SegmentReader(name):
        tag = seg.tag
        if tag == "ISA":
            sender, isa13 = seg[6].strip(), seg[13].strip()
        elif tag == "GS":
            gs06, gs04 = seg[6].strip(), seg[4].strip()
        elif tag == "ST":
            st01, st02 = seg[1].strip(), seg[2].strip()
        elif st01:
            after_st += 1
            if st01 == "837" and tag == "BHT":
                day = seg[4]
            elif st01 == "835" and tag == "BPR":
                day = seg[16]
            elif st01 == "835" and tag == "DTM" and seg[1] == "405" and not day:
                day = seg[2]
            if day or after_st > _HEAD_SEGMENTS or st01 in ("999", "277"):
                break
    if not st01:
        raise InputError(f"{name}: no transaction set (ST) in this interchange")
    kind = KINDS.get(st01)
    if kind is None:
        raise InputError(f"{name}: transaction set {st01} is not one the ledger ingests "
                         "(837, 835, 999, 277)")
    return FileIdentity(name, sha256_of(name), kind, sender, isa13, gs06, st02,
                        day or gs04)
