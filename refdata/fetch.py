"""Download the current official files and install them (``claimkit data fetch``).

Each kind has a landing page whose links are re-minted every quarter; fetch reads the
page, picks the links of the quarter asked for (else the newest one listed), downloads
them with httpx (retries with exponential backoff on transient errors via tenacity,
resuming a partial download with a Range request when the server allows it), checks
the size against Content-Length and every zip member's CRC, then installs them in one
transaction. The NCCI PTP files sit behind the AMA CPT licence: they are fetched only
with ``accept_ama_license``, and the acceptance is recorded in the manifest.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urljoin, urlparse

import httpx
from tenacity import (
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from refdata.install import Outcome, Progress, install
from refdata.kinds import FDA, HCPCS, MUE, PTP, TITLES, XWALK
from refdata.store import data_dir
from x12core.errors import InputError

CMS = "https://www.cms.gov"
FDA_HOST = "https://www.accessdata.fda.gov"
MONTHS = ("january", "april", "july", "october")


@dataclass(frozen=True)
class Source:
    kind: str
    page: str  # landing page (CMS) or the file itself (FDA)
    pattern: str  # regex on the link's file name; groups: year, quarter or month
    parts: int = 1


SOURCES = {
    PTP: Source(PTP, CMS + "/medicare/coding-billing/national-correct-coding-initiative-ncci-"
                "edits/medicare-ncci-procedure-procedure-ptp-edits",
                r"medicare-ncci-(\d{4})q([1-4])-practitioner-ptp-edits-ccipra-v\d+r\d+-f[1-4]"
                r"\.zip", parts=4),
    MUE: Source(MUE, CMS + "/medicare/coding-billing/national-correct-coding-initiative-ncci-"
                "edits/medicare-ncci-medically-unlikely-edits",
                r"medicare-ncci-(\d{4})-q([1-4])-practitioner-services-mue-table\.zip"),
    HCPCS: Source(HCPCS, CMS + "/medicare/coding-billing/healthcare-common-procedure-system/"
                  "quarterly-update",
                  r"(january|april|july|october)-(\d{4})-alpha-numeric-hcpcs-files?\.zip"),
    XWALK: Source(XWALK, CMS + "/medicare/payment/part-b-drugs/asp-pricing-files",
                  r"(january|april|july|october)-(\d{4})-(?:asp-)?ndc-hcpcs-crosswalk"
                  r"[\w-]*\.zip"),
    FDA: Source(FDA, FDA_HOST + "/cder/ndctext.zip", r"ndctext\.zip"),
}
DEFAULT_KINDS = (PTP, MUE, HCPCS, XWALK, FDA)


class TransientError(Exception):
    """A retryable download failure (timeout, connection reset, 429, 5xx)."""


def _transient(err: BaseException) -> bool:
    return isinstance(err, TransientError | httpx.TransportError)


def parse_quarter(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", text.strip(), re.I)
    if not m:
        raise InputError(f"--quarter {text}: expected YYYYQn, e.g. 2026Q4")
    return int(m[1]), int(m[2])


def _quarter_of(source: Source, m: re.Match[str]) -> tuple[int, int]:
    if source.kind in (HCPCS, XWALK):
        return int(m[2]), MONTHS.index(m[1].lower()) + 1
    return int(m[1]), int(m[2])


def discover(client: httpx.Client, source: Source, quarter: tuple[int, int] | None,
             rewrite: Callable[[str], str]) -> list[str]:
    """URLs of the files of ``quarter`` (else the newest quarter) on the landing page."""
    if source.kind == FDA:
        return [rewrite(source.page)]
    page = _get(client, rewrite(source.page)).text
    found: dict[tuple[int, int], dict[str, str]] = {}
    for href in re.findall(r"""href=["']([^"']+)["']""", page):
        target = unquote(href)
        query = parse_qs(urlparse(target).query)
        if "file" in query:  # the AMA click-through: /license/ama?file=/files/zip/...
            target = query["file"][0]
        name = target.rsplit("/", 1)[-1]
        m = re.fullmatch(source.pattern, name, re.I)
        if m:
            found.setdefault(_quarter_of(source, m), {})[name] = urljoin(
                rewrite(source.page), target)
    if not found:
        raise InputError(f"{source.page}: no {TITLES[source.kind]} link found (the page "
                         "changed?); download the files by hand and run `claimkit data "
                         "install`")
    key = quarter if quarter is not None else max(found)
    if key not in found:
        listed = ", ".join(f"{y}Q{q}" for y, q in sorted(found))
        raise InputError(f"{source.page}: no {TITLES[source.kind]} for {key[0]}Q{key[1]} "
                         f"(listed: {listed})")
    urls = sorted(found[key].values())
    if len(urls) < source.parts:
        raise InputError(f"{source.page}: {TITLES[source.kind]} {key[0]}Q{key[1]} lists "
                         f"{len(urls)} of its {source.parts} parts")
    return urls


def _get(client: httpx.Client, url: str) -> httpx.Response:
    @retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(client_attempts()),
           wait=wait_exponential(multiplier=backoff(), max=30), reraise=True)
    def once() -> httpx.Response:
        response = client.get(url)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"{url}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise InputError(f"{url}: HTTP {response.status_code}")
        return response

    try:
        return once()
    except (TransientError, httpx.TransportError) as err:
        raise InputError(f"{url}: download failed after retries ({err})") from None


def client_attempts() -> int:
    return int(os.environ.get("CLAIMKIT_FETCH_ATTEMPTS", "5"))


def backoff() -> float:
    return float(os.environ.get("CLAIMKIT_FETCH_BACKOFF", "1.0"))


def download(client: httpx.Client, url: str, target: Path) -> Path:
    """Stream ``url`` to ``target`` (resuming a partial ``.part`` file when the server
    answers a Range request with 206), check its size and the zip's CRCs."""
    part = target.with_name(target.name + ".part")

    @retry(retry=retry_if_exception(_transient), stop=stop_after_attempt(client_attempts()),
           wait=wait_exponential(multiplier=backoff(), max=30), reraise=True)
    def once() -> None:
        have = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise TransientError(f"HTTP {response.status_code}")
            if response.status_code >= 400:
                raise InputError(f"{url}: HTTP {response.status_code}")
            resumed = response.status_code == 206
            expected = response.headers.get("content-length")
            total = (have if resumed else 0) + int(expected) if expected else None
            with open(part, "ab" if resumed else "wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
        size = part.stat().st_size
        if total is not None and size != total:
            raise TransientError(f"{size} of {total} bytes received")

    try:
        once()
    except (TransientError, httpx.TransportError) as err:
        raise InputError(f"{url}: download failed after retries ({err})") from None
    if target.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(part) as archive:
                bad = archive.testzip()
        except zipfile.BadZipFile:
            bad = "(not a zip)"
        if bad is not None:
            part.unlink(missing_ok=True)
            raise InputError(f"{url}: downloaded file fails its zip check ({bad}); try again")
    part.replace(target)
    return target


def fetch(kinds: tuple[str, ...] = DEFAULT_KINDS, quarter: str | None = None, *,
          accept_ama_license: bool = False, directory: str | os.PathLike[str] | None = None,
          rewrite: Callable[[str], str] = lambda url: url, progress: Progress | None = None,
          note: Callable[[str], None] = lambda text: None) -> list[Outcome]:
    """Discover, download and install ``kinds``; returns the install outcomes."""
    wanted = parse_quarter(quarter)
    chosen = list(kinds)
    if PTP in chosen and not accept_ama_license:
        if tuple(kinds) != DEFAULT_KINDS:
            raise InputError("the NCCI PTP files are licensed by the AMA (CPT): rerun with "
                             "--accept-ama-license to accept the licence CMS shows before "
                             "the download")
        chosen.remove(PTP)
        note("skipped NCCI PTP edits: the files sit behind the AMA CPT licence; rerun with "
             "--accept-ama-license to accept it")
    downloads = data_dir(directory) / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    with httpx.Client(follow_redirects=True, timeout=httpx.Timeout(60.0, connect=15.0),
                      headers={"User-Agent": "claimkit data fetch"}) as client:
        for kind in chosen:
            for url in discover(client, SOURCES[kind], wanted, rewrite):
                name = urlparse(url).path.rsplit("/", 1)[-1]
                note(f"downloading {name}")
                files.append(download(client, url, downloads / name))
    licence = ""
    if accept_ama_license:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        licence = f"AMA CPT licence accepted with claimkit data fetch --accept-ama-license {stamp}"
    return install(files, directory, accept_ama_license=licence, today=date.today(),
                   progress=progress)
