"""`claimkit data fetch` against a local HTTP server (127.0.0.1) serving fixture zips."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures import refdata_files as rf

PTP_PAGE = ("/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/"
            "medicare-ncci-procedure-procedure-ptp-edits")
MUE_PAGE = ("/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/"
            "medicare-ncci-medically-unlikely-edits")
HCPCS_PAGE = "/medicare/coding-billing/healthcare-common-procedure-system/quarterly-update"
ASP_PAGE = "/medicare/payment/part-b-drugs/asp-pricing-files"


class Site:
    """Routes, and the failures to play once per path."""

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.fail_once: set[str] = set()
        self.truncate_once: set[str] = set()
        self.requests: list[tuple[str, str]] = []


def _handler(site: Site) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            self.requests_range = self.headers.get("Range", "")
            site.requests.append((path, self.requests_range))
            body = site.routes.get(path)
            if body is None:
                self.send_error(404)
                return
            if path in site.fail_once:
                site.fail_once.discard(path)
                self.send_error(503)
                return
            status = 200
            if self.requests_range.startswith("bytes="):
                start = int(self.requests_range[6:].split("-")[0])
                body = body[start:]
                status = 206
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if path in site.truncate_once:
                site.truncate_once.discard(path)
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                time.sleep(0.2)  # the client writes what it got before the connection drops
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


@pytest.fixture
def site(files: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Site, str]]:
    monkeypatch.setenv("CLAIMKIT_FETCH_BACKOFF", "0.01")
    s = Site()
    ptp = rf.write_ptp(files)
    links = []
    for p in ptp:
        s.routes[f"/files/zip/{p.name}"] = p.read_bytes()
        links.append(f'<a href="/license/ama?file=/files/zip/{p.name}">{p.name}</a>')
    s.routes[PTP_PAGE] = ("<html>" + "".join(links) + "</html>").encode()
    mue = rf.write_mue(files)
    s.routes[f"/files/zip/{mue.name}"] = mue.read_bytes()
    s.routes[MUE_PAGE] = f'<a href="/files/zip/{mue.name}">MUE</a>'.encode()
    hcpcs = rf.write_hcpcs(files)
    s.routes[f"/files/zip/{hcpcs.name}"] = hcpcs.read_bytes()
    s.routes[HCPCS_PAGE] = (f'<a href="/files/zip/{hcpcs.name}">Q3</a>'
                            '<a href="/files/zip/april-2026-alpha-numeric-hcpcs-file.zip">Q2'
                            '</a>').encode()
    _, xwalk = rf.write_asp(files)
    s.routes[f"/files/zip/{xwalk.name}"] = xwalk.read_bytes()
    s.routes[ASP_PAGE] = f"<a href='/files/zip/{xwalk.name}'>crosswalk</a>".encode()
    s.routes["/cder/ndctext.zip"] = rf.write_fda(files).read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(s))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield s, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_installs_all_but_ptp_without_the_licence(cli, data_dir: Path, site) -> None:
    s, base = site
    r = cli("data", "fetch", "--base-url", base)
    assert r.code == 0, r.err
    assert "skipped NCCI PTP edits: the files sit behind the AMA CPT licence" in r.err
    assert not any("ccipra" in path for path, _ in s.requests)
    doc = json.loads(cli("data", "status", "-f", "json").out)
    assert {d["kind"] for d in doc["datasets"]} == {"ncci-mue", "hcpcs", "asp-crosswalk",
                                                    "fda-ndc"}
    assert (data_dir / "downloads" / "ndctext.zip").exists()


def test_ptp_needs_the_licence_flag(cli, data_dir: Path, site) -> None:
    _, base = site
    r = cli("data", "fetch", "--base-url", base, "--kind", "ncci-ptp")
    assert r.code == 2 and "--accept-ama-license" in r.err and r.err.count("\n") == 1
    r = cli("data", "fetch", "--base-url", base, "--kind", "ncci-ptp", "--accept-ama-license")
    assert r.code == 0, r.err
    assert "NCCI PTP edits, practitioner (Medicare) v322r0" in r.out
    (ptp,) = json.loads(cli("data", "status", "-f", "json").out)["datasets"]
    assert ptp["license"].startswith("AMA CPT licence accepted with claimkit data fetch")


def test_transient_errors_are_retried_and_downloads_resumed(cli, data_dir: Path, site) -> None:
    s, base = site
    mue_path = next(p for p in s.routes if p.endswith("mue-table.zip"))
    s.fail_once.add(mue_path)
    s.fail_once.add(MUE_PAGE)
    s.truncate_once.add("/cder/ndctext.zip")
    r = cli("data", "fetch", "--base-url", base, "--kind", "ncci-mue", "--kind", "fda-ndc")
    assert r.code == 0, r.err
    assert [p for p, _ in s.requests].count(mue_path) == 2
    fda = [rng for p, rng in s.requests if p == "/cder/ndctext.zip"]
    assert fda[0] == "" and fda[1].startswith("bytes=")  # resumed where it stopped


def test_quarter_not_listed(cli, data_dir: Path, site) -> None:
    _, base = site
    r = cli("data", "fetch", "--base-url", base, "--kind", "hcpcs", "--quarter", "2026Q4")
    assert r.code == 2
    assert "no HCPCS Level II quarterly file for 2026Q4 (listed: 2026Q2, 2026Q3)" in r.err
    assert not (data_dir / "claimkit-refdata.sqlite").exists()
