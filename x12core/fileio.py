"""File helpers: atomic writes and retried reads for unattended runs.

Every file claimkit writes (reports, 999/277CA acknowledgments, split batches)
goes through :func:`atomic_write`: the data lands in a temporary file in the
target directory and is renamed over the target only when complete, so a crash
or an exception never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

from x12core.errors import InputError

T = TypeVar("T")

_TRANSIENT = {errno.EAGAIN, errno.EBUSY, errno.EINTR, errno.ETIMEDOUT, errno.ESTALE}


def _is_transient(err: BaseException) -> bool:
    return isinstance(err, OSError) and err.errno in _TRANSIENT


_ATTEMPTS = 4


def _retry_io(fn: Callable[..., T]) -> Callable[..., T]:
    """Network shares and watch folders hiccup: retry a few times on transient errors only.

    The first attempt is a plain call; tenacity (and what it imports: ~60 ms at every
    start of the CLI) is loaded only when a transient error asks for a retry."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except OSError as err:
            if not _is_transient(err):
                raise
        from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

        again = retry(retry=retry_if_exception(_is_transient),
                      stop=stop_after_attempt(_ATTEMPTS - 1),
                      wait=wait_exponential(multiplier=0.05, max=1.0), reraise=True)(fn)
        return again(*args, **kwargs)

    return call


@_retry_io
def _replace(src: str, dst: str) -> None:
    os.replace(src, dst)


def sync_directory(path: str | os.PathLike[str]) -> None:
    """Make the renames done in directory ``path`` durable.

    A rename is a change to the directory, not to the file: POSIX makes it durable only
    when the directory itself is fsynced. Without this a power loss shortly after a
    run can undo the rename, leaving the old file (or none) while a journal written
    after it (``claimkit watch``) says the new one is there. Best effort: a filesystem
    or platform that cannot fsync a directory is left as it is.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _is_regular_or_absent(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` are one file: same path, a symlink to it, or a hard link."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def check_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (),
                 ) -> Path:
    """Refuse an output path that would destroy an input or cannot be a file (one line each).

    The same file reached by another path, a symlink or a hard link is still the input.
    Devices and FIFOs are fine targets: :func:`atomic_write` writes into them directly.
    """
    target = Path(path)
    for source in inputs:
        if same_file(target, source):
            raise InputError(f"{shown(target)}: is an input file ({shown(source)}); claimkit "
                             "never overwrites its input")
    if target.is_dir():
        raise InputError(f"{shown(target)}: is a directory, not a file")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{shown(target)}: directory {shown(directory)} does not exist")
    return target


def shown(path: str | os.PathLike[str]) -> str:
    """A file name fit for a one-line message: quoted when it holds control characters."""
    text = os.fspath(path)
    if text.isprintable():
        return text
    return repr(text)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", *, overwrite: bool = True,
                 encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` on success.

    Only a regular file (or a path that does not exist yet) is replaced by rename. A
    symlink is followed, so the link stays and its target gets the new content. A
    device, FIFO or socket (``/dev/null``, ``/dev/stdout``, a named pipe) is opened and
    written directly: renaming over it would replace the node with a regular file.
    With ``overwrite=False`` an existing target raises :class:`InputError`.
    """
    target = Path(path)
    kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": encoding, "newline": newline}
    if target.is_dir():
        raise InputError(f"{shown(target)}: is a directory, not a file")
    if not overwrite and target.exists():
        raise InputError(f"{shown(target)}: already exists (use --force to overwrite)")
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if not _is_regular_or_absent(target):
        with open(target, mode, **kwargs) as handle:
            yield handle
        return
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{shown(target)}: directory {shown(directory)} does not exist")
    _sweep_orphans(directory, target.name)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{_host()}-{os.getpid()}.",
                                   suffix=".tmp", dir=directory)
    except OSError as err:
        raise InputError(f"{shown(target)}: cannot write ({err.strerror})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            # Keep the mode of the file being replaced (mkstemp creates 0600).
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if target.exists()
                     else 0o666 & ~_umask())
        _replace(tmp, str(target))
        sync_directory(directory)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# Who writes a temporary file, in its name: ``.NAME.HOST-PID.RANDOM.tmp``. A run killed
# outright (SIGKILL, power loss) cannot remove its own; the next write of the same NAME
# does, for writers of this host that are gone. A writer on another host (shared storage:
# Dask workers) or one still running is left alone.
@functools.cache
def _host() -> str:
    node = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return node.replace(".", "_").replace(os.sep, "_") or "host"


def _sweep_orphans(directory: Path, name: str) -> None:
    for entry in _gone_writers(directory, f".{name}.{_host()}-", "."):
        if entry.name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def spool_directory(kind: str) -> str:
    """A new directory in the temporary directory for one run's worker files, named
    ``claimkit-KIND-HOST-PID-RANDOM``; those of this host's runs that are gone (killed
    outright: a run removes its own) are removed first."""
    prefix = f"claimkit-{kind}-{_host()}-"
    root = tempfile.gettempdir()
    for entry in _gone_writers(root, prefix, "-"):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=root)


def _gone_writers(directory: str | os.PathLike[str], prefix: str, end: str
                  ) -> list[os.DirEntry[str]]:
    """Entries of ``directory`` named ``PREFIX + PID + END...`` whose process (of this host:
    ``prefix`` names it) is gone; none when the directory cannot be listed."""
    gone = []
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(prefix)]
    except OSError:
        return []
    for entry in entries:
        pid = entry.name[len(prefix):].split(end, 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            gone.append(entry)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    try:  # Linux: a killed process not yet reaped by its parent (a zombie) is gone too
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_input_file(path: str | os.PathLike[str]) -> None:
    """One clear line for an input that cannot be read as a file, before any work.

    Every command reads its inputs more than once (a preflight, the scan, a second pass
    to split), so a pipe, FIFO, ``/dev/stdin`` or ``<(...)`` that can be read only once
    is refused at once rather than left to hang.
    """
    if os.fspath(path) == "-":
        raise InputError("-: reading standard input is not supported; save the data to a "
                         "file and name the file")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{shown(path)}: no such file") from None
    except OSError as err:
        raise InputError(f"{shown(path)}: cannot read ({err.strerror})") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{shown(path)}: is a directory, not a file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{shown(path)}: is not a regular file (a pipe or device can be read "
                         "only once); save the data to a file and name the file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{shown(path)}: permission denied")


@_retry_io
def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Whole-file read with the same clear errors as the reader (small files only)."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None


def read_toml(path: str | os.PathLike[str], what: str,
              schema: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """A user-supplied TOML file (payer profile, cause overlay...) or one clear InputError.

    ``what`` names the kind of file in the message: ``"payer profile"``. With ``schema``
    (a JSON Schema file, draft 2020-12) the parsed document is checked against it and
    the first problem is named by file, key and expected type.
    """
    import tomllib

    try:
        with open(path, "rb") as handle:
            doc = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{shown(path)}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{shown(path)}: is a directory, not a file") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{shown(path)}: not a valid TOML {what} ({err})") from None
    except UnicodeDecodeError:
        raise InputError(f"{shown(path)}: not a valid TOML {what} (not UTF-8 text)") from None
    except OSError as err:
        raise InputError(f"{shown(path)}: cannot read ({err.strerror})") from None
    if schema is not None:
        check_document(doc, schema, f"{shown(path)}: not a valid {what}")
    return doc


def check_document(doc: Any, schema: str | os.PathLike[str], prefix: str) -> None:
    """Validate ``doc`` against a JSON Schema file; one InputError naming key and type."""
    import json

    import jsonschema

    validator = _validator(os.fspath(schema), json, jsonschema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "the top level"
        raise InputError(f"{prefix}: {where}: {error.message}")


_VALIDATORS: dict[str, Any] = {}


def _validator(schema: str, json: Any, jsonschema: Any) -> Any:
    found = _VALIDATORS.get(schema)
    if found is None:
        with open(schema, encoding="utf-8") as handle:
            found = jsonschema.Draft202012Validator(json.load(handle))
        _VALIDATORS[schema] = found
    return found


class OutputSet:
    """Output files that become visible together when the block succeeds, or not at all.

    Every file goes through :func:`~x12core.fileio.atomic_write` (temporary file in the
    target directory + rename); the renames run only when the ``with`` block ends
    without an exception, so a failure midway removes every temporary file. Paths
    are checked up front: never an input, never twice, never an existing file
    without ``force``. With ``force``, a reserved output this run did not write is
    removed, so a stale batch from an earlier run cannot be sent by mistake.
    """

    def __init__(self, *, force: bool = False, inputs: Iterable[str | os.PathLike[str]] = ()
                 ) -> None:
        self.force = force
        self._inputs = [Path(p) for p in inputs]
        self._reserved: dict[Path, str] = {}
        self._opened: set[Path] = set()
        self._stack = contextlib.ExitStack()

    def reserve(self, path: str | os.PathLike[str], role: str) -> Path:
        target = Path(path)
        key = target.resolve()
        for source in self._inputs:
            if same_file(target, source):
                raise InputError(f"{shown(target)}: is the input file; claimkit never "
                                 "overwrites its input")
        other = self._reserved.get(key)
        if other is not None and other != role:
            raise InputError(f"{target}: named for both {other} and {role}")
        if target.is_dir():
            raise InputError(f"{target}: is a directory, not a file")
        if not target.parent.is_dir():
            raise InputError(f"{target}: directory {target.parent} does not exist")
        if target.exists() and not self.force and other is None:
            raise InputError(f"{target}: already exists (use --force to overwrite)")
        self._reserved[key] = role
        return target

    def open(self, path: str | os.PathLike[str], mode: str = "wb", **kwargs: Any) -> IO[Any]:
        key = Path(path).resolve()
        if key not in self._reserved:
            raise ValueError(f"{path}: not reserved")
        if key in self._opened:
            raise ValueError(f"{path}: opened twice")
        self._opened.add(key)
        return self._stack.enter_context(atomic_write(path, mode, overwrite=self.force, **kwargs))

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        if kind is not None:
            return self._stack.__exit__(kind, exc, tb)
        self._stack.close()  # renames every temporary file over its target
        if self.force:
            for key in self._reserved.keys() - self._opened:
                with contextlib.suppress(FileNotFoundError):
                    key.unlink()
        return None
