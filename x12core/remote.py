"""Inputs named by URL (``s3://``, ``gs://``, ``http(s)://``, ``file://`` ...), read via fsspec.

A local path keeps the local fast path everywhere (a memory map for the pre-scan,
``open``/``seek`` for a chunk's bytes): what is called here for it (:func:`size`,
:func:`check`, :func:`open_input`, :func:`modified`) falls through to the file system at once.
A URL goes through `fsspec <https://filesystem-spec.readthedocs.io>`_:

* :func:`check` asks for the object's size before any work (missing, unreachable,
  no reader for the protocol: one :class:`~x12core.errors.InputError` line);
* :func:`read_range` is what a chunk task calls for its byte ranges
  (``fs.cat_file(path, start, end)``): each worker fetches only its own bytes;
* :func:`local_copy` streams the object in blocks into a temporary file for the
  pre-scan (:func:`x12core.chunks.plan`), which then runs on it as on a local file;
* :func:`open_binary` is a seekable stream for the quick checks that read the head,
  and for the passes that read a URL input from start to end (``split``, the joined
  claims of ``audit``/``reconcile``, an 835 read in this process): the reader, the
  census and ``split`` open an input with :func:`open_input`, so a URL reads as the
  same bytes a local copy would.

Which protocols work is fsspec's business: ``file``, ``http``/``https`` (aiohttp),
``memory`` out of the box; ``s3://`` with ``s3fs``, ``gs://`` with ``gcsfs``,
``az://`` with ``adlfs`` installed. Credentials come from the usual places of each
(environment, config files, instance roles); claimkit passes none.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO

from x12core.errors import InputError
from x12core.fileio import check_input_file, shown

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
BLOCK = 8 << 20  # bytes per read when a URL is streamed (pre-scan copy)


def is_url(name: str | os.PathLike[str]) -> bool:
    """``scheme://...``: read through fsspec. Anything else is a local path."""
    return isinstance(name, str) and _URL.match(name) is not None


def local_path(name: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """The local file a ``file://`` URL names (for the never-overwrite-an-input check);
    any other name unchanged."""
    if is_url(name) and str(name).lower().startswith("file://"):
        from fsspec.core import url_to_fs

        return url_to_fs(str(name))[1]  # type: ignore[no-any-return]
    return name


def _fs(url: str) -> tuple[Any, str]:
    """The fsspec file system and the path inside it, or one line on why not."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - fsspec is a dependency
        raise InputError(f"{shown(url)}: reading URLs needs fsspec (pip install fsspec)"
                         ) from None
    protocol = _URL.match(url).group(1)  # type: ignore[union-attr]
    try:
        return url_to_fs(url)  # type: ignore[no-any-return]
    except ValueError:
        raise InputError(f"{shown(url)}: no reader for {protocol}:// URLs (fsspec knows no "
                         "such protocol)") from None
    except ImportError as err:  # a known protocol whose package is not installed
        raise InputError(f"{shown(url)}: cannot read {protocol}:// URLs here "
                         f"({_first_line(err)})") from None


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0]


def _failed(url: str, err: BaseException) -> InputError:
    """One line for an error fsspec (or its backend: aiohttp, botocore ...) raised."""
    cause = err.__cause__ or err.__context__
    while cause is not None:  # fsspec's HTTP reports an unreachable host as "not found"
        if isinstance(cause, OSError) and not isinstance(cause, FileNotFoundError):
            return InputError(f"{shown(url)}: cannot reach it ({_first_line(cause)})")
        cause = cause.__cause__ or cause.__context__
    if isinstance(err, FileNotFoundError):
        return InputError(f"{shown(url)}: no such file (not found at that URL)")
    if isinstance(err, ValueError) and "support range requests" in str(err):
        # fsspec's HTTP file past its first block on a server that ignores Range headers
        return _no_ranges(url)
    if isinstance(err, PermissionError):
        return InputError(f"{shown(url)}: permission denied")
    if isinstance(err, IsADirectoryError):
        return InputError(f"{shown(url)}: is a directory, not a file")
    return InputError(f"{shown(url)}: cannot read ({_first_line(err)})")


def _no_ranges(url: str) -> InputError:
    return InputError(f"{shown(url)}: the server does not answer byte-range requests, which "
                      "reading a URL in parts needs; download the file and name the local copy")


def check(name: str | os.PathLike[str]) -> None:
    """One clear line (exit 2) for an input that cannot be read, before any work."""
    if not is_url(name):
        check_input_file(name)
        return
    url = str(name)
    if _info(url).get("type") == "directory":
        raise InputError(f"{shown(url)}: is a directory, not a file")


def _info(url: str) -> dict[str, Any]:
    """What the store says of the object at ``url`` (fsspec ``info``), or one line on why not."""
    fs, path = _fs(url)
    try:
        return fs.info(path)  # type: ignore[no-any-return]
    except Exception as err:  # backends raise their own types
        raise _failed(url, err) from None


def size(name: str | os.PathLike[str]) -> int:
    """The input's size in bytes."""
    if not is_url(name):
        return os.path.getsize(name)
    url = str(name)
    fs, path = _fs(url)
    try:
        return int(fs.size(path))
    except Exception as err:
        raise _failed(url, err) from None


_last = threading.local()  # the range read last in this thread: the census reads it again


def read_range(name: str, start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of the object at ``name`` (a URL)."""
    memo = getattr(_last, "value", None)
    if memo is not None and memo[0] == (name, start, end):
        return memo[1]  # type: ignore[no-any-return]
    if start >= end:
        return b""
    fs, path = _fs(name)
    try:
        data = fs.cat_file(path, start=start, end=end)
    except Exception as err:
        raise _failed(name, err) from None
    if len(data) > end - start:  # the whole object came back: the Range header was ignored
        raise _no_ranges(name)
    if len(data) != end - start:
        raise InputError(f"{shown(name)}: changed while it was read (bytes {start}-{end}: got "
                         f"{len(data)} of {end - start})")
    _last.value = ((name, start, end), data)
    return data  # type: ignore[no-any-return]


def open_binary(name: str, block_size: int = 1 << 20) -> BinaryIO:
    """A seekable binary stream over the object at ``name`` (a URL); close it after use.
    ``block_size``: bytes fetched per request (read-ahead); small for one short read.

    A read that fails midway (the host went away, the object was deleted) is one
    :class:`~x12core.errors.InputError` line, as a failure to open is."""
    fs, path = _fs(name)
    try:
        inner = fs.open(path, "rb", block_size=block_size)
    except Exception as err:
        raise _failed(name, err) from None
    return _Guarded(name, inner)  # type: ignore[return-value]


def open_input(name: str | os.PathLike[str], block_size: int = 1 << 20) -> BinaryIO:
    """An input opened for reading: a local file, or for a URL :func:`open_binary`."""
    if is_url(name):
        return open_binary(str(name), block_size)
    return open(name, "rb")


def modified(name: str | os.PathLike[str]) -> float | None:
    """When the input was last modified (POSIX seconds), or ``None`` when the store does
    not say: ``st_mtime`` of a path, else the ``mtime``, ``LastModified``, ``updated``,
    ``last_modified`` or HTTP ``Last-Modified`` fsspec reports for the object."""
    if not is_url(name):
        return os.stat(name).st_mtime
    info = _info(str(name))
    for key in ("mtime", "LastModified", "updated", "last_modified", "Last-Modified",
                "created"):
        stamp = _timestamp(info.get(key))
        if stamp is not None:
            return stamp
    return None


def _timestamp(value: object) -> float | None:
    """POSIX seconds from what the backends report: a number, a datetime, an ISO 8601
    string (GCS) or an HTTP date (RFC 9110)."""
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str) and value:
        with contextlib.suppress(ValueError, TypeError):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        with contextlib.suppress(ValueError, TypeError):
            return parsedate_to_datetime(value).timestamp()
    return None


def basename(name: str | os.PathLike[str]) -> str:
    """The last part of a path or of a URL's path (``.../week49.835?x=1`` -> ``week49.835``)."""
    if not is_url(name):
        return os.path.basename(os.fspath(name))
    from urllib.parse import urlsplit

    parts = urlsplit(str(name))
    return parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc or "input"


class _Stream(io.RawIOBase):
    """A readable, seekable raw stream whose ``read`` says it all (``readinto`` on it)."""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:  # pragma: no cover - subclasses define it
        raise NotImplementedError

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Guarded(_Stream):
    """An fsspec file whose failures are one :class:`InputError` line naming the URL."""

    def __init__(self, url: str, inner: Any) -> None:
        super().__init__()
        self.name = url
        self._inner = inner

    def read(self, n: int | None = -1) -> bytes:
        try:
            return self._inner.read(-1 if n is None else n)  # type: ignore[no-any-return]
        except Exception as err:
            raise _failed(self.name, err) from None

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            return self._inner.seek(offset, whence)  # type: ignore[no-any-return]
        except Exception as err:
            raise _failed(self.name, err) from None

    def tell(self) -> int:
        return self._inner.tell()  # type: ignore[no-any-return]

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                super().close()


@contextlib.contextmanager
def local_copy(name: str) -> Iterator[str]:
    """A local file with the bytes of ``name``: the path itself, or for a URL a temporary
    copy streamed in :data:`BLOCK`-sized reads (removed afterwards)."""
    if not is_url(name):
        yield name
        return
    with tempfile.NamedTemporaryFile(prefix="claimkit-", suffix=".x12") as copy:
        try:
            with open_binary(name) as source:
                shutil.copyfileobj(source, copy, BLOCK)
        except InputError:
            raise
        except Exception as err:
            raise _failed(name, err) from None
        copy.flush()
        yield copy.name


class RangeSource(_Stream):
    """Bytes ``[start, end)`` of a URL as a seekable stream with the object's own offsets
    (the census of a chunk, :class:`x12core.census.Tally`, seeks to ``start``)."""

    def __init__(self, name: str, start: int, end: int) -> None:
        super().__init__()
        self._data = read_range(name, start, end)
        self._start = start
        self._pos = start

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._start + len(self._data) + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        at = max(0, self._pos - self._start)
        stop = len(self._data) if n is None or n < 0 else min(len(self._data), at + n)
        out = self._data[at:stop]
        self._pos = self._start + stop if stop > at else self._pos
        return out
