"""The 837P claim model: only what the rules need, with the segments it came from.

Immutable values. Every field that a rule may point at keeps its
:class:`~x12core.segment.Segment`, so the engine can name the file line, segment
index and element of a finding without re-reading the file. Designators follow
the 005010X222A1 guide (loop 2300 CLM, loop 2400 SV1, loop 2410 LIN/CTP ...).

Money and quantities are :class:`~decimal.Decimal`; a value that does not parse
is ``None`` and the raw text stays in the segment for the message.

The classes are ``typing.NamedTuple`` rather than frozen slotted dataclasses (the
design guide's default): they are just as immutable and typed, but a frozen
dataclass pays an ``object.__setattr__`` call per field in ``__init__``, which made
building ~100,000 of these per 20,000 claims a fifth of the scan time (2.2 us vs
0.35 us for a service line). Treat them as records: compare claims by identity.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from x12core.envelope import Transaction
from x12core.segment import Segment


class Party(NamedTuple):
    """An NM1 entity: submitter (41), receiver (40), payer (PR), provider (85, 82 ...)."""

    entity: str  # NM101
    name: str  # NM103 (organization or last name)
    first_name: str  # NM104
    id_qualifier: str  # NM108 (XX = NPI, PI = payer id, 46 = ETIN, MI = member id)
    id: str  # NM109
    segment: Segment | None = None

    @property
    def npi(self) -> str:
        return self.id if self.id_qualifier == "XX" else ""


class BillingProvider(NamedTuple):
    """Loop 2000A/2010AA: NM1*85 with its NPI and REF*EI (TIN) or REF*SY (SSN)."""

    party: Party
    tin: str  # 2010AA REF02 where REF01 = EI (or SY)
    taxonomy: str  # 2000A PRV03
    hl: Segment | None = None
    prv: Segment | None = None  # 2000A PRV (billing provider specialty)

    @property
    def npi(self) -> str:
        return self.party.npi


class Person(NamedTuple):
    """Subscriber (2010BA NM1*IL) or patient (2010CA NM1*QC) with DMG."""

    party: Party
    birth_date: str  # DMG02 CCYYMMDD as sent
    sex: str  # DMG03
    dmg: Segment | None = None

    @property
    def member_id(self) -> str:
        return self.party.id


class Subscriber(NamedTuple):
    """Loop 2000B: SBR, the subscriber and the destination payer (2010BB NM1*PR)."""

    hl: Segment | None
    sbr: Segment | None
    person: Person
    payer: Party
    responsibility: str  # SBR01 (P, S, T ...)
    filing_indicator: str  # SBR09 (MB, MA, MC, CI, BL, HM ...)


class Diagnosis(NamedTuple):
    """One HI composite: qualifier (ABK principal, ABF other) and ICD-10-CM code."""

    qualifier: str
    code: str
    segment: Segment
    element: str  # "HI01-2" ... where the code sits


class DrugDetail(NamedTuple):
    """Loop 2410: LIN (NDC), CTP (quantity and unit), REF*VY / REF*XZ."""

    lin: Segment
    qualifier: str  # LIN02, N4 for an NDC
    ndc: str  # LIN03
    ctp: Segment | None
    quantity: Decimal | None  # CTP04
    quantity_text: str
    unit: str  # CTP05-1: F2, GR, ME, ML, UN
    link_sequence: str  # REF*VY
    prescription: str  # REF*XZ


class ServiceLine(NamedTuple):
    """Loop 2400 with its 2410 drug detail and 2420A rendering provider."""

    number: int | None  # LX01
    qualifier: str  # SV101-1 (HC)
    code: str  # SV101-2
    modifiers: tuple[str, ...]  # SV101-3..6, blanks dropped
    description: str  # SV101-7
    charge: Decimal | None  # SV102
    unit_basis: str  # SV103 (UN, MJ)
    units: Decimal | None  # SV104
    place_of_service: str  # SV105, only when it differs from CLM05-1
    pointers: tuple[str, ...]  # SV107-1..4 as sent (may be non-numeric)
    service_date: date | None  # DTP*472 D8, or the start of an RD8 range
    service_date_end: date | None
    control_number: str  # first REF*6R
    prior_authorization: str  # 2400 REF*G1 (line-level prior authorization number)
    notes: tuple[str, ...]  # NTE02
    drug: DrugDetail | None
    rendering_npi: str  # 2420A NM109 when NM108 = XX
    lx: Segment
    sv1: Segment | None
    dtp: Segment | None
    control_refs: tuple[Segment, ...]  # every REF*6R on the line
    last_index: int  # segment index of the line's last segment
    providers: tuple[Segment, ...] = ()  # 2420x NM1 and PRV segments (line providers)

    def has_modifier(self, modifiers: frozenset[str]) -> bool:
        return not modifiers.isdisjoint(self.modifiers)

    def modifier_element(self, modifier: str) -> str:
        """``SV101-3`` ... for the first position holding ``modifier``."""
        sv1 = self.sv1
        if sv1 is not None:
            parts = sv1.components(1)
            for j in range(2, min(len(parts), 6)):
                if parts[j] == modifier:
                    return f"SV101-{j + 1}"
        return "SV101-3"


class Claim(NamedTuple):
    """Loop 2300 and everything a rule needs from the loops around it."""

    id: str  # CLM01 patient control number
    charge: Decimal | None  # CLM02
    place_of_service: str  # CLM05-1
    frequency: str  # CLM05-3 (1 original, 7 replacement, 8 void)
    payer_claim_number: str  # 2300 REF*F8
    diagnoses: tuple[Diagnosis, ...]  # 2300 HI, ABK/ABF (BK/BF), in order
    lines: tuple[ServiceLine, ...]
    rendering_npi: str  # 2310B NM109 when NM108 = XX
    billing_provider: BillingProvider
    subscriber: Subscriber
    patient: Person  # 2010CA when the patient is not the subscriber, else the subscriber
    submitter: Party | None
    receiver: Party | None
    batch_date: str  # BHT04 CCYYMMDD
    batch_day: date | None  # BHT04 as a date (None when missing or not CCYYMMDD)
    batch_id: str  # BHT03 originator application transaction identifier
    prior_authorization: str  # 2300 REF*G1 prior authorization number
    file: str
    transaction: Transaction
    clm: Segment
    ref_f8: Segment | None
    hi: tuple[Segment, ...]
    loop_index: int  # segment index of the HL (2000B or 2000C) this claim sits under
    first_index: int  # CLM
    last_index: int  # last segment of the claim (before the next CLM, HL or SE)
    start_offset: int  # byte offset of CLM
    end_offset: int  # byte offset just past the claim's last segment terminator
    providers: tuple[Segment, ...] = ()  # 2310x NM1 and PRV segments (claim providers)
    dates: tuple[Segment, ...] = ()  # 2300 DTP segments (onset, admission, discharge ...)

    @property
    def payer(self) -> Party:
        return self.subscriber.payer

    @property
    def filing_indicator(self) -> str:
        return self.subscriber.filing_indicator

    def line_at(self, segment_index: int) -> ServiceLine | None:
        """The service line whose segments include ``segment_index``."""
        for line in self.lines:
            if line.lx.index <= segment_index <= line.last_index:
                return line
        return None
