"""277CA claim acknowledgment (005010X214): one status per claim of an 837P batch.

Hierarchy written (X214 section 2.3): 2000A information source (HL03 = 20, the
clearinghouse: NM1*AY, TRN*1 receipt id, DTP*050 received, DTP*009 processed) ->
2000B information receiver (21, the submitter from the 837 1000A NM1*41: TRN*2
with the 837 BHT03, STC receipt status, QTY*90/AA and AMT*YU/YY totals) -> 2000C
billing provider (19, the 837 2010AA NM1*85: TRN*1, STC, QTY*QA/QC, AMT*YU/YY)
-> 2000D patient (PT: NM1*QC, TRN*2 with CLM01, STC, REF*D9, DTP*472).

Accepted claims get ``A2:20`` (accepted into adjudication / accepted for
processing, action WQ); held claims get ``A7`` (rejected for invalid information)
or ``A3`` (returned as unprocessable, for structure errors) with a status code
chosen from the finding's category, action U, and the rule id and message in
STC12. One ST per input 837 transaction set; totals come before the claims they
count, so each set's claims are spooled (to disk past a few MB) and memory stays
flat.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

E, C, T = "*", ":", "~\n"  # element, component, segment terminator of the 277CA we write
REPETITION = "^"
MAX_STATUSES = 10  # STC segments per rejected claim (2200D STC repeats >1)
_SPOOL = 4 << 20

# Finding category -> (claim status category, claim status code) for held claims.
# Codes are the X12 Claim Status Codes (code source 508): 481 claim/submission format
# is invalid, 400 claim is out of balance, 216 drug information, 218 NDC number, 453
# procedure modifier(s), 454 procedure code, 476 units of service, 249 place of
# service, 477 diagnosis code pointer, 287 medical necessity, 306 detailed description
# of service, 187 date(s) of service; 21 missing or invalid information otherwise.
STATUS_BY_CATEGORY: dict[str, tuple[str, str]] = {
    "structure": ("A3", "481"), "balancing": ("A7", "400"), "drug-link": ("A7", "216"),
    "drug-data": ("A7", "218"), "modifier": ("A7", "453"), "bundling": ("A7", "454"),
    "coding": ("A7", "454"), "units": ("A7", "476"), "place-of-service": ("A7", "249"),
    "diagnosis": ("A7", "477"), "medical-necessity": ("A7", "287"),
    "documentation": ("A7", "306"), "timely-filing": ("A7", "187"),
}
DEFAULT_STATUS = ("A7", "21")
ACCEPTED_STATUS = "A2:20"


@dataclass(frozen=True, slots=True)
class Entity:
    """An NM1 party: name, entity type (NM102: 1 person, 2 organization) and id."""

    name: str
    first_name: str = ""
    entity_type: str = "2"
    id_qualifier: str = ""
    id: str = ""


@dataclass(frozen=True, slots=True)
class Batch:
    """One input 837 transaction set and the envelope it came in."""

    file: str
    interchange: str  # ISA13
    group: str  # GS06
    transaction: str  # ST02
    batch_id: str  # BHT03, echoed in 2200B TRN02
    sender: tuple[str, str]  # ISA05, ISA06 of the 837 (the 277CA goes back to them)
    receiver: tuple[str, str]  # ISA07, ISA08 of the 837 (we send the 277CA as them)
    gs_sender: str  # GS02
    gs_receiver: str  # GS03
    usage: str  # ISA15 P/T
    submitter: Entity  # 1000A NM1*41
    clearinghouse: Entity  # 1000B NM1*40


@dataclass(frozen=True, slots=True)
class AckMessage:
    rule: str
    category: str
    message: str


@dataclass(frozen=True, slots=True)
class ClaimAck:
    """What the 277CA says about one claim."""

    batch: Batch
    claim_id: str  # CLM01
    charge: Decimal | None  # CLM02
    accepted: bool
    provider: Entity  # 2010AA NM1*85 (NPI with XX, else TIN with FI)
    provider_key: int  # 2000A HL segment index: claims under one billing provider share it
    patient: Entity  # 2010CA (or 2010BA) name with the subscriber's member id
    service_from: date | None = None
    service_to: date | None = None
    messages: tuple[AckMessage, ...] = ()
    trace: str = ""  # REF*D9 clearinghouse trace number


@dataclass
class AckSummary:
    claims: int = 0
    accepted: int = 0
    rejected: int = 0
    transactions: int = 0
    interchanges: list[str] = field(default_factory=list)


@functools.cache
def stc12_max_length() -> int:
    """STC12 (free-form message text) maximum length, as pyx12's X214 map says (264)."""
    try:
        import pyx12.map_if
        import pyx12.params

        node = pyx12.map_if.load_map_file("277.5010.X214.xml", pyx12.params.params()) \
            .getnodebypath("/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2000B/2000C/2000D/2200D/STC")
        return int(node.children[11].max_len)
    except Exception:  # pyx12 internals moved: the X12 dictionary value (element 933)
        return 264


_REPLACE = str.maketrans({"≠": "<>", "Σ": "SUM ", "—": "-", "–": "-", "…": "...", "’": "'",
                          "“": '"', "”": '"', "×": "x", "≥": ">=", "≤": "<="})


def clean_text(value: str, limit: int | None = None) -> str:
    """Text safe for an AN element: no delimiters, printable ASCII, single spaces."""
    text = value.translate(_REPLACE)
    text = "".join(ch if " " <= ch <= "~" and ch not in "*:^~" else " " for ch in text)
    text = " ".join(text.split())
    return text[:limit].rstrip() if limit else text


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None and value.is_finite() else "0"


def _d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def status_for(message: AckMessage) -> tuple[str, str]:
    return STATUS_BY_CATEGORY.get(message.category, DEFAULT_STATUS)


class _Spool:
    """Segments kept until the totals that precede them are known."""

    def __init__(self) -> None:
        self.file: IO[str] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed in drain
            max_size=_SPOOL, mode="w+", encoding="latin-1", newline="")
        self.count = 0

    def put(self, *elements: str) -> None:
        self.file.write(E.join(elements).rstrip(E) + T)
        self.count += 1

    def drain(self, out: IO[str]) -> None:
        self.file.seek(0)
        while chunk := self.file.read(1 << 16):
            out.write(chunk)
        self.file.close()


class Ack277Writer:
    """Push claims in file order with :meth:`add`; :meth:`close` writes the trailers."""

    def __init__(self, out: IO[str] | Callable[[], IO[str]], *, when: datetime,
                 received: date | None = None, isa_control: int = 1, gs_control: int = 1,
                 st_control: int = 1) -> None:
        # A callable opens the output on the first segment: no claims, no file.
        self._out: IO[str] | None = None if callable(out) else out
        self._opener = out if callable(out) else None
        self.when = when
        self.received = received or when.date()
        self._isa, self._gs, self._st = isa_control, gs_control, st_control
        self.summary = AckSummary()
        self._env: tuple[str, ...] | None = None
        self._isa13 = self._gs06 = ""
        self._sets = 0
        self._batch: Batch | None = None
        self._body: _Spool | None = None
        self._prov: _Spool | None = None
        self._prov_key: int | None = None
        self._prov_entity: Entity | None = None
        self._hl = 2
        self._prov_hl = 0
        self._tot: list[Any] = []  # accepted n, rejected n, accepted $, rejected $ (the set)
        self._ptot: list[Any] = []  # the same for the billing provider

    # -- public ------------------------------------------------------------------
    def add(self, ack: ClaimAck) -> None:
        batch = ack.batch
        if self._batch is None or _set_key(batch) != _set_key(self._batch):
            self._close_set()
            self._open_set(batch)
        if self._prov_key != ack.provider_key or self._prov is None:
            self._close_provider()
            self._prov, self._prov_key, self._prov_entity = _Spool(), ack.provider_key, \
                ack.provider
            self._hl += 1
            self._prov_hl = self._hl
            self._ptot = [0, 0, Decimal(0), Decimal(0)]
        self._claim(ack)

    def close(self) -> AckSummary:
        self._close_set()
        if self._env is not None:
            self._line("GE", str(self._sets), self._gs06)
            self._line("IEA", "1", self._isa13)
            self._env = None
        return self.summary

    # -- envelopes ---------------------------------------------------------------
    def _line(self, *elements: str) -> None:
        self.out.write(E.join(elements) + T)

    @property
    def out(self) -> IO[str]:
        if self._out is None:
            assert self._opener is not None
            self._out = self._opener()
        return self._out

    def _open_envelope(self, batch: Batch) -> None:
        # The 277CA travels back: the 837's receiver sends it to the 837's sender.
        key = (*batch.receiver, *batch.sender, batch.usage, batch.gs_receiver, batch.gs_sender)
        if key == self._env:
            return
        self.close()
        self._env, self._sets = key, 0
        self._isa13 = f"{self._isa % 10**9:09d}"
        self._gs06 = str(self._gs % 10**9 or 1)
        self._isa, self._gs = self._isa + 1, self._gs + 1
        now = self.when
        self._line("ISA", "00", " " * 10, "00", " " * 10, batch.receiver[0].ljust(2)[:2],
                   batch.receiver[1].ljust(15)[:15], batch.sender[0].ljust(2)[:2],
                   batch.sender[1].ljust(15)[:15], now.strftime("%y%m%d"), now.strftime("%H%M"),
                   REPETITION, "00501", self._isa13, "0", batch.usage or "P", C)
        self._line("GS", "HN", clean_text(batch.gs_receiver, 15) or "RECEIVER",
                   clean_text(batch.gs_sender, 15) or "SENDER", now.strftime("%Y%m%d"),
                   now.strftime("%H%M"), self._gs06, "X", "005010X214")
        self.summary.interchanges.append(self._isa13)

    def _open_set(self, batch: Batch) -> None:
        self._open_envelope(batch)
        self._batch, self._body, self._hl = batch, _Spool(), 2
        self._tot = [0, 0, Decimal(0), Decimal(0)]

    def _close_set(self) -> None:
        self._close_provider()
        batch, body = self._batch, self._body
        if batch is None or body is None:
            return
        st02 = f"{self._st % 10**9:04d}"
        self._st += 1
        now, head = self.when, _Spool()
        acc, rej, acc_amt, rej_amt = self._tot
        head.put("ST", "277", st02, "005010X214")
        head.put("BHT", "0085", "08", clean_text(f"{batch.interchange}-{batch.transaction}", 50),
                 now.strftime("%Y%m%d"), now.strftime("%H%M"), "TH")
        # 2000A/2100A/2200A: who received the batch, when it was received and processed.
        head.put("HL", "1", "", "20", "1")
        _nm1(head, "AY", batch.clearinghouse, "46")
        head.put("TRN", "1", clean_text(batch.interchange, 50) or "0")
        head.put("DTP", "050", "D8", _d8(self.received))
        head.put("DTP", "009", "D8", _d8(now.date()))
        # 2000B/2100B/2200B: the submitter, its batch (BHT03) and the batch totals.
        head.put("HL", "2", "1", "21", "1")
        _nm1(head, "41", batch.submitter, "46")
        head.put("TRN", "2", clean_text(batch.batch_id, 50) or batch.transaction or "0")
        head.put("STC", "A1:19:AY", _d8(now.date()), "WQ" if acc else "U",
                 _money(acc_amt + rej_amt))
        _totals(head, acc, rej, acc_amt, rej_amt, "90", "AA")
        head.drain(self.out)
        body.drain(self.out)
        self._line("SE", str(head.count + body.count + 1), st02)
        self._sets += 1
        self.summary.transactions += 1
        self._batch = self._body = None

    # -- 2000C / 2000D -------------------------------------------------------------
    def _close_provider(self) -> None:
        prov, body, entity = self._prov, self._body, self._prov_entity
        if prov is None or body is None or entity is None:
            return
        acc, rej, acc_amt, rej_amt = self._ptot
        body.put("HL", str(self._prov_hl), "2", "19", "1")
        if entity.id:
            _nm1(body, "85", entity, entity.id_qualifier or "XX")
        else:
            _nm1(body, "85", Entity(entity.name, entity.first_name, entity.entity_type, "XX",
                                    "UNKNOWN"), "XX")
        body.put("TRN", "1", clean_text(entity.id, 50) or "0")
        # 2200C STC02 is not used; the claim-level STCs carry the date.
        body.put("STC", "A1:19:AY", "", "WQ" if acc else "U", _money(acc_amt + rej_amt))
        _totals(body, acc, rej, acc_amt, rej_amt, "QA", "QC")
        prov.drain(body.file)
        body.count += prov.count
        self._prov = self._prov_key = self._prov_entity = None

    def _claim(self, ack: ClaimAck) -> None:
        prov = self._prov
        assert prov is not None
        self._hl += 1
        prov.put("HL", str(self._hl), str(self._prov_hl), "PT")
        patient = ack.patient
        prov.put("NM1", "QC", "1", clean_text(patient.name, 60) or "UNKNOWN",
                 clean_text(patient.first_name, 35), "", "", "",
                 patient.id_qualifier if patient.id_qualifier in ("II", "MI") else "MI",
                 clean_text(patient.id, 80).ljust(2, "0"))
        prov.put("TRN", "2", clean_text(ack.claim_id, 50) or "UNKNOWN")
        today, charge = _d8(self.when.date()), _money(ack.charge)
        if ack.accepted:
            prov.put("STC", ACCEPTED_STATUS, today, "WQ", charge)
        else:
            for status, text in _rejections(ack.messages):
                prov.put("STC", status, today, "U", charge, "", "", "", "", "", "", "", text)
        if ack.trace:
            prov.put("REF", "D9", clean_text(ack.trace, 50))
        # 2200D DTP*472 is required; without a readable service date the batch date stands in.
        start = ack.service_from or self.received
        end = ack.service_to or start
        if end != start:
            prov.put("DTP", "472", "RD8", f"{_d8(start)}-{_d8(end)}")
        else:
            prov.put("DTP", "472", "D8", _d8(start))
        amount = ack.charge if ack.charge is not None and ack.charge.is_finite() else Decimal(0)
        slot = 0 if ack.accepted else 1
        for tot in (self._tot, self._ptot):
            tot[slot] += 1
            tot[slot + 2] += amount
        self.summary.claims += 1
        if ack.accepted:
            self.summary.accepted += 1
        else:
            self.summary.rejected += 1


def _set_key(batch: Batch) -> tuple[str, str, str, str]:
    return (batch.file, batch.interchange, batch.group, batch.transaction)


def _nm1(spool: _Spool, entity_code: str, party: Entity, qualifier: str) -> None:
    person = party.entity_type == "1"
    spool.put("NM1", entity_code, "1" if person else "2", clean_text(party.name, 60) or "UNKNOWN",
              clean_text(party.first_name, 35) if person else "", "", "", "", qualifier,
              clean_text(party.id, 80) or "UNKNOWN")


def _totals(spool: _Spool, acc: int, rej: int, acc_amt: Decimal, rej_amt: Decimal,
            acc_code: str, rej_code: str) -> None:
    # QTY/AMT are sent when their count is not zero (X214 2200B/2200C situational notes).
    if acc:
        spool.put("QTY", acc_code, str(acc))
    if rej:
        spool.put("QTY", rej_code, str(rej))
    if acc:
        spool.put("AMT", "YU", _money(acc_amt))
    if rej:
        spool.put("AMT", "YY", _money(rej_amt))


def _rejections(messages: tuple[AckMessage, ...]) -> list[tuple[str, str]]:
    """(STC01, STC12) per distinct finding, at most :data:`MAX_STATUSES`."""
    limit = stc12_max_length()
    seen: dict[tuple[str, str], AckMessage] = {}
    for m in messages:
        seen.setdefault((m.rule, m.message), m)
    unique = list(seen.values()) or [AckMessage("", "", "held for review")]
    out = []
    for i, m in enumerate(unique[:MAX_STATUSES]):
        category, code = status_for(m)
        text = f"{m.rule} {m.message}".strip()
        if i == MAX_STATUSES - 1 and len(unique) > MAX_STATUSES:
            text = f"(+{len(unique) - i - 1} more, see the scan report) {text}"
        out.append((f"{category}{C}{code}", clean_text(text, limit)))
    return out


def write_277ca(out: IO[str], claims: Iterable[ClaimAck], *, when: datetime,
                received: date | None = None, isa_control: int = 1, gs_control: int = 1,
                st_control: int = 1) -> AckSummary:
    """Write a 277CA for ``claims`` (in file order) to ``out``; return the counts."""
    writer = Ack277Writer(out, when=when, received=received, isa_control=isa_control,
                          gs_control=gs_control, st_control=st_control)
    for ack in claims:
        writer.add(ack)
    return writer.close()
