"""File steps of the pipeline: hash, sniff, names, moves; each safe to repeat after a crash."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

from pipeline import retry
from pipeline.journal import Entry
from x12core.errors import ClaimkitError, InputError
from x12core.fileio import shown, sync_directory
from x12core.reader import SegmentReader

STAGING = ".claimkit-staging"


def file_hash(path: Path) -> tuple[str, int]:
    retry.injected_read_fault(str(path))
    digest = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise InputError(f"{shown(path)}: no such file (it left the inbox)") from None
    return digest.hexdigest(), size


def sniff(path: Path) -> str:
    """``837`` or ``835`` from the first ST01; anything else is a permanent error."""
    name = shown(path)
    for n, seg in enumerate(SegmentReader(path)):  # NotX12Error for what is not X12
        if seg.tag == "ST":
            kind = seg[1]
            if kind not in ("837", "835"):
                raise InputError(f"{name}: transaction set {kind or 'blank'}; the pipeline "
                                 "takes 837P claim batches and 835 remittances")
            return kind
        if n > 200:
            break
    raise InputError(f"{name}: no ST transaction set header near the start of the file")


def base_name(entry: Entry) -> str:
    stem = entry.name.rsplit(".", 1)[0] if "." in entry.name[1:] else entry.name
    return f"{stem}.{entry.sha256[:12]}"


def staged_path(final: Path, base: str) -> Path:
    return final.parent / STAGING / base / final.name


def free_name(folder: Path, name: str, sha256: str) -> Path:
    """``folder/name``, or ``folder/<stem>.<sha12><suffix>`` when that name is taken."""
    dest = folder / name
    if not dest.exists():
        return dest
    stem, dot, suffix = name.rpartition(".")
    alt = f"{stem}.{sha256[:12]}.{suffix}" if dot and stem else f"{name}.{sha256[:12]}"
    n = 1
    candidate = folder / alt
    while candidate.exists():
        n += 1
        candidate = folder / f"{alt}.{n}"
    return candidate


def move(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst`` without ever having neither; resumable after a crash."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not src.exists():
        if dst.exists():
            return  # moved before a crash
        raise InputError(f"{shown(src)}: left the inbox before it could be moved")
    try:
        os.replace(src, dst)
        sync_directory(dst.parent)  # the journal's next step must not outlive the move
        sync_directory(src.parent)
        return
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
    tmp = dst.with_name(f".{dst.name}.tmp")  # another filesystem: copy, then rename
    shutil.copy2(src, tmp)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, dst)
    sync_directory(dst.parent)
    src.unlink()
    sync_directory(src.parent)


def error_text(err: BaseException) -> str:
    if isinstance(err, ClaimkitError):
        text = str(err)
    elif isinstance(err, OSError):
        text = f"{err.strerror or err} ({shown(err.filename) if err.filename else 'I/O'})"
    else:
        text = f"internal error: {type(err).__name__}: {err}"
    return " ".join(text.split())
