"""The 835 as plain values: payments, claims, service lines, adjustments.

One frozen, slotted dataclass per thing billing staff talk about, not one class
per loop of the guide (005010X221A1). Money is :class:`~decimal.Decimal`, codes
are ``str``; each value keeps the :class:`~x12core.segment.Segment` it came from
so findings can point at the file line and element.

Signs follow the guide: a positive CAS or PLB amount reduces the payment, a
negative one increases it. Reversals (CLP02 = 22) carry negated amounts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import MISSING, dataclass, fields
from decimal import Decimal
from typing import Any, TypeVar

from x12core.findings import Finding, Severity
from x12core.segment import Segment
from x12core.values import ZERO

# CLP02 claim status codes (TR3 2100 CLP02), in words for reports.
CLAIM_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded",
    "20": "processed as secondary, forwarded",
    "21": "processed as tertiary, forwarded",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded",
    "25": "predetermination pricing only",
}
REVERSAL = "22"
_T = TypeVar("_T")


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A fast constructor for the frozen, slotted dataclass ``cls``: the same parameters.

    Hot path: a 20,000-claim 835 builds ~250,000 of these values, and a frozen
    dataclass sets each field through ``object.__setattr__`` (a call per field).
    The builder fills a plain twin class with the very same slots (plain attribute
    stores), then turns it into ``cls`` by ``__class__`` assignment, which Python
    allows between identical slot layouts. The result is a real ``cls``: frozen,
    equal and hashed as if built by ``cls(...)`` (tests/remit/test_remit_builders.py).
    """
    params = []
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    names = []
    for f in fields(cls):  # type: ignore[arg-type]
        if not f.init or f.default_factory is not MISSING:
            raise TypeError(f"builder: {cls.__name__}.{f.name} needs the class's __init__")
        names.append(f.name)
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    if tuple(names) != tuple(getattr(cls, "__slots__", ())) or hasattr(cls, "__post_init__"):
        raise TypeError(f"builder: {cls.__name__} is not a plain slotted dataclass")
    namespace["_twin"] = type(f"_{cls.__name__}Twin", (), {"__slots__": cls.__slots__})
    body = "".join(f"    self.{name} = {name}\n" for name in names)
    exec(f"def build_{cls.__name__}({', '.join(params)}):\n"  # as dataclasses does
         f"    self = _new(_twin)\n{body}    self.__class__ = _cls\n    return self\n",
         namespace)
    build: Callable[..., _T] = namespace[f"build_{cls.__name__}"]
    build.__doc__ = f"Build a {cls.__name__} (same parameters as the class, faster)."
    return build


@dataclass(frozen=True, slots=True)
class Party:
    """A name from N1 (1000A payer, 1000B payee) or NM1 (2100 patient, insured ...)."""

    entity: str  # N101 / NM101: PR, PE, QC, IL, 74, 82, TT, GB
    name: str  # N102 / NM103 (last or organisation name)
    id_qualifier: str  # N103 / NM108
    id: str  # N104 / NM109
    first_name: str = ""  # NM104
    references: tuple[tuple[str, str], ...] = ()  # 1000A/1000B REF (qualifier, value)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One reason/amount/quantity triple of a CAS segment (2100 or 2110)."""

    group: str  # CAS01: CO, PR, OA, PI (CR in 4010 data)
    reason: str  # CARC: CAS02, CAS05, ... CAS17
    amount: Decimal  # CAS03, CAS06, ... CAS18
    quantity: str  # CAS04, CAS07, ... CAS19
    segment: Segment | None = None
    element: str = "CAS03"  # designator of the amount

    @property
    def code(self) -> str:
        """``CO-45`` style, as staff write it."""
        return f"{self.group}-{self.reason}"


@dataclass(frozen=True, slots=True)
class Imbalance:
    """A balancing equation that does not hold. ``difference`` = computed - reported."""

    level: str  # line | claim | payment | patient-responsibility | line-charges
    computed: Decimal
    reported: Decimal
    difference: Decimal
    finding: Finding

    @property
    def is_error(self) -> bool:
        return self.finding.severity is Severity.ERROR


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """2110 service payment information: SVC and what follows it."""

    ordinal: int  # 1-based position of the SVC within its claim
    qualifier: str  # SVC01-1 (HC, N4, ...)
    procedure: str  # SVC01-2, the code as adjudicated
    modifiers: tuple[str, ...]  # SVC01-3..6
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    units: str  # SVC05 paid units; "" when absent (the guide then means 1)
    original_qualifier: str = ""  # SVC06-1
    original_procedure: str = ""  # SVC06-2, the code as submitted when the payer changed it
    original_modifiers: tuple[str, ...] = ()  # SVC06-3..6
    original_units: str = ""  # SVC07
    description: str = ""  # SVC01-7
    revenue_code: str = ""  # SVC04
    line_control: str = ""  # REF*6R, echo of 837 2400 REF*6R
    dates: tuple[tuple[str, str], ...] = ()  # DTM 472 / 150 / 151
    adjustments: tuple[Adjustment, ...] = ()  # 2110 CAS
    remarks: tuple[str, ...] = ()  # LQ*HE remark codes (RARCs)
    references: tuple[tuple[str, str], ...] = ()  # other 2110 REF
    amounts: tuple[tuple[str, Decimal], ...] = ()  # AMT (B6 allowed ...): informational
    segment: Segment | None = None

    def date(self, qualifier: str) -> str:
        for qual, value in self.dates:
            if qual == qualifier:
                return value
        return ""

    @property
    def service_date(self) -> str:
        """DTM*472, else the start of DTM*150 (empty: the claim dates apply)."""
        return self.date("472") or self.date("150")

    @property
    def submitted_procedure(self) -> str:
        """The code the provider sent: SVC06-2 when present, else SVC01-2 (B.8 step 3)."""
        return self.original_procedure or self.procedure

    @property
    def submitted_modifiers(self) -> tuple[str, ...]:
        return self.original_modifiers if self.original_procedure else self.modifiers

    @property
    def paid_units(self) -> str:
        return self.units or "1"

    @property
    def allowed(self) -> Decimal | None:
        for qual, value in self.amounts:
            if qual == "B6":
                return value
        return None

    @property
    def adjusted(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class PaymentHeader:
    """What an 835 says before its first claim: BPR, TRN, payer (1000A), payee (1000B)."""

    file: str
    interchange: str  # ISA13
    group: str  # GS06
    transaction: str  # ST02
    handling: str  # BPR01: C, D, H, I, P, U, X
    amount: Decimal  # BPR02 total actual provider payment
    credit_debit: str  # BPR03: C or D
    method: str  # BPR04: ACH, BOP, CHK, FWT, NON
    payment_date: str  # BPR16 check issue or EFT effective date
    trace: str  # TRN02 check or EFT trace number (reassociation key)
    trace_payer: str  # TRN03
    production_date: str  # DTM*405
    payer: Party
    payee: Party
    segment: Segment | None = None  # BPR

    @property
    def payer_id(self) -> str:
        """N104 of 1000A, else REF*2U, else TRN03."""
        if self.payer.id:
            return self.payer.id
        for qual, value in self.payer.references:
            if qual == "2U":
                return value
        return self.trace_payer


@dataclass(frozen=True, slots=True)
class Claim:
    """2100 claim payment information and its service lines."""

    claim_id: str  # CLP01, echo of 837 CLM01
    status_code: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal | None  # CLP05
    filing_indicator: str  # CLP06
    payer_claim_id: str  # CLP07 (ICN); goes back in 837 REF*F8 on corrections
    facility_code: str  # CLP08
    frequency: str  # CLP09
    payment: PaymentHeader
    header_number: str = ""  # 2000 LX01
    adjustments: tuple[Adjustment, ...] = ()  # 2100 CAS
    lines: tuple[ServiceLine, ...] = ()
    remarks: tuple[str, ...] = ()  # MOA03-07 / MIA05, MIA20-23
    patient: Party | None = None  # NM1*QC
    insured: Party | None = None  # NM1*IL
    corrected: Party | None = None  # NM1*74
    other_names: tuple[Party, ...] = ()  # NM1*82, TT, PR, GB
    dates: tuple[tuple[str, str], ...] = ()  # DTM 232/233/036/050 ...
    references: tuple[tuple[str, str], ...] = ()  # REF (1L, EA, F8, ...)
    amounts: tuple[tuple[str, Decimal], ...] = ()  # AMT: informational
    quantities: tuple[tuple[str, str], ...] = ()  # QTY
    segment: Segment | None = None  # CLP
    imbalances: tuple[Imbalance, ...] = ()

    @property
    def is_reversal(self) -> bool:
        return self.status_code == REVERSAL

    @property
    def status(self) -> str:
        return CLAIM_STATUS.get(self.status_code, f"status {self.status_code}")

    @property
    def balanced(self) -> bool:
        return not any(i.is_error for i in self.imbalances)

    def date(self, qualifier: str) -> str:
        for qual, value in self.dates:
            if qual == qualifier:
                return value
        return ""

    def reference(self, qualifier: str) -> str:
        for qual, value in self.references:
            if qual == qualifier:
                return value
        return ""

    def all_adjustments(self) -> Iterator[Adjustment]:
        """Claim-level then line-level CAS, the terms of the claim equation."""
        yield from self.adjustments
        for line in self.lines:
            yield from line.adjustments


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One reason/amount pair of a PLB segment (up to six per segment)."""

    provider: str  # PLB01
    fiscal_date: str  # PLB02
    reason: str  # PLB03-1 (L6 interest, WO overpayment recovery, FB forwarding balance ...)
    reference: str  # PLB03-2 (often the ICN being recouped)
    amount: Decimal  # PLB04, 06, ... 14: positive reduces the payment
    segment: Segment | None = None
    element: str = "PLB04"


@dataclass(frozen=True, slots=True)
class HeaderNumber:
    """2000 LX and its TS3 provider summary (parsed, rarely needed for professional remits)."""

    number: str  # LX01
    provider: str = ""  # TS301
    facility_type: str = ""  # TS302
    fiscal_date: str = ""  # TS303
    claim_count: str = ""  # TS304
    total_charge: Decimal | None = None  # TS305


@dataclass(frozen=True, slots=True)
class Payment:
    """One 835 transaction after its last claim: header, PLB, totals, payment balancing."""

    header: PaymentHeader
    provider_adjustments: tuple[ProviderAdjustment, ...]
    claim_count: int
    claims_paid: Decimal  # Σ CLP04
    unbalanced_claims: int
    header_numbers: tuple[HeaderNumber, ...] = ()
    imbalances: tuple[Imbalance, ...] = ()  # payment-level only
    trailer: Segment | None = None  # SE

    @property
    def balanced(self) -> bool:
        """The transaction equation holds and every claim in it balances."""
        return self.unbalanced_claims == 0 and not any(i.is_error for i in self.imbalances)

    @property
    def adjusted(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), ZERO)


# Builders for the values made once per claim, line or adjustment (see ``builder``).
new_party = builder(Party)
new_adjustment = builder(Adjustment)
new_service_line = builder(ServiceLine)
new_claim = builder(Claim)

_MONEY_TEXT: dict[Decimal, str] = {}


def money(value: Decimal | None) -> str:
    """Decimal string with two places, as the contract writes money ("-2.50", never "-0.00")."""
    if value is None:
        return ""
    text = _MONEY_TEXT.get(value)
    if text is None:
        text = f"{value:.2f}"
        if text == "-0.00":
            text = "0.00"
        if len(_MONEY_TEXT) >= 16_384:  # amounts repeat; keep the cache bounded
            _MONEY_TEXT.clear()
        _MONEY_TEXT[value] = text
    return text
