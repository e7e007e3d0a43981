"""The ledger's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

Keys are natural and composite so a file's rows can be written in batches without
asking the database for generated ids: a file is ``file_id``; its claims are
``(file_id, claim_seq)``, their lines ``(file_id, claim_seq, line_seq)``; a remit
(one CLP loop) is ``(file_id, remit_seq)``. Money is stored as whole cents
(``BIGINT``, exact on both databases) and read back as ``Decimal``; dates are
``CCYYMMDD`` text as X12 writes them (they sort, compare and group by month alike on
both databases). Lists of codes are space-separated text.

The schema is versioned by Alembic (``ledger/migrations``); change it only with a
new migration, and keep this module equal to the migrations' result (a test checks).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """A ``Decimal`` amount stored as whole cents."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * 100).to_integral_value())

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else (Decimal(int(value)) * CENT)


metadata = MetaData()
MONEY = Money()
# CLM01 compares byte by byte on both databases (SQLite's default BINARY; "C" on
# PostgreSQL), so a payer-truncated CLP01 is found by an index range scan.
CLAIM_ID = String(38).with_variant(String(38, collation="C"), "postgresql")

files = Table(
    "files", metadata,
    Column("file_id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # 837 | 835 | 999 | 277
    Column("path", Text, nullable=False),
    Column("sender", String(35), nullable=False),  # ISA06
    Column("isa13", String(9), nullable=False),
    Column("gs06", String(9), nullable=False),
    Column("st02", String(9), nullable=False),  # of the first transaction set
    Column("batch_date", String(8), nullable=False),  # 837 BHT04, 835 BPR16, ack date
    Column("ingested_at", String(26), nullable=False),  # UTC ISO timestamp
    Column("records", Integer, nullable=False, default=0),  # claims, remits or acks
    UniqueConstraint("sha256", name="uq_files_sha256"),
    UniqueConstraint("kind", "sender", "isa13", "gs06", "st02", name="uq_files_control"),
)

claims = Table(
    "claims", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("claim_seq", Integer, primary_key=True),
    Column("claim_id", CLAIM_ID, nullable=False),  # CLM01
    Column("st02", String(9), nullable=False),
    Column("batch_date", String(8), nullable=False),  # BHT04
    Column("payer_id", String(80), nullable=False),  # 2010BB NM109
    Column("provider_npi", String(80), nullable=False),  # 2010AA NM109
    Column("profile", String(40), nullable=False),  # payer profile the scan applied
    Column("patient", Text, nullable=False),
    Column("member_id", String(80), nullable=False),
    Column("dos", String(8), nullable=False),
    Column("charge", MONEY, nullable=False),
    Column("frequency", String(1), nullable=False),  # CLM05-3
    Column("held", Boolean, nullable=False),
    Column("rules", Text, nullable=False),  # every scan rule on the claim
    Column("status", String(20), nullable=False),  # sent | accepted | rejected | paid ...
    Column("paid", MONEY, nullable=False),
    Column("net_paid", MONEY, nullable=False),
    Column("payer_claim_id", String(50), nullable=False),
    Column("status_date", String(8), nullable=False),
    ForeignKeyConstraint(["file_id"], ["files.file_id"]),
)
Index("ix_claims_claim_id", claims.c.claim_id)
Index("ix_claims_status", claims.c.status)

claim_lines = Table(
    "claim_lines", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("claim_seq", Integer, primary_key=True),
    Column("line_seq", Integer, primary_key=True),
    Column("number", Integer),  # LX01
    Column("control", String(50), nullable=False),  # REF*6R
    Column("procedure", String(48), nullable=False),
    Column("modifiers", String(20), nullable=False),
    Column("dos", String(8), nullable=False),
    Column("charge", MONEY, nullable=False),
    Column("units", MONEY),
    Column("rules", Text, nullable=False),
    Column("flags", Text, nullable=False),
    # settled state (updated as remits arrive)
    Column("status", String(20), nullable=False),
    Column("paid", MONEY, nullable=False),
    Column("allowed", MONEY),  # paid + patient responsibility of the counted remits
    Column("denied", MONEY, nullable=False),
    Column("categories", Text, nullable=False),
    Column("denial_categories", Text, nullable=False),
    Column("prediction", String(20), nullable=False),
    Column("payment_date", String(8), nullable=False),
    ForeignKeyConstraint(["file_id", "claim_seq"], ["claims.file_id", "claims.claim_seq"]),
)

findings = Table(
    "findings", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("claim_seq", Integer, primary_key=True),
    Column("finding_seq", Integer, primary_key=True),
    Column("line_number", Integer),
    Column("rule", String(40), nullable=False),
    Column("category", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text, nullable=False),
    ForeignKeyConstraint(["file_id", "claim_seq"], ["claims.file_id", "claims.claim_seq"]),
)

payments = Table(
    "payments", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("payment_seq", Integer, primary_key=True),
    Column("st02", String(9), nullable=False),
    Column("trace", String(50), nullable=False),  # TRN02
    Column("payer_id", String(80), nullable=False),
    Column("payment_date", String(8), nullable=False),
    Column("amount", MONEY, nullable=False),  # BPR02
    ForeignKeyConstraint(["file_id"], ["files.file_id"]),
)

remits = Table(
    "remits", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("remit_seq", Integer, primary_key=True),
    Column("payment_seq", Integer, nullable=False),
    Column("sent_file_id", Integer),  # the matched sent claim (NULL: unmatched)
    Column("sent_claim_seq", Integer),
    Column("match", String(10), nullable=False),  # exact | truncated | ""
    Column("claim_id", String(38), nullable=False),  # CLP01
    Column("status_code", String(2), nullable=False),  # CLP02
    Column("payer_claim_id", String(50), nullable=False),
    Column("trace", String(50), nullable=False),
    Column("payer_id", String(80), nullable=False),
    Column("payment_date", String(8), nullable=False),
    Column("charge", MONEY, nullable=False),
    Column("paid", MONEY, nullable=False),
    Column("status", String(20), nullable=False),
    Column("remarks", Text, nullable=False),
    Column("patient", Text, nullable=False),
    Column("member_id", String(80), nullable=False),
    Column("balanced", Boolean, nullable=False),
    Column("role", String(20), nullable=False),  # counted | reversal | copy ... (settled)
    ForeignKeyConstraint(["file_id"], ["files.file_id"]),
)
Index("ix_remits_sent", remits.c.sent_file_id, remits.c.sent_claim_seq)
Index("ix_remits_claim_id", remits.c.claim_id)

remit_lines = Table(
    "remit_lines", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("remit_seq", Integer, primary_key=True),
    Column("line_seq", Integer, primary_key=True),
    Column("procedure", String(48), nullable=False),
    Column("adjudicated", String(48), nullable=False),
    Column("modifiers", String(20), nullable=False),
    Column("control", String(50), nullable=False),
    Column("dos", String(8), nullable=False),
    Column("charge", MONEY, nullable=False),
    Column("paid", MONEY, nullable=False),
    Column("status", String(20), nullable=False),
    Column("remarks", Text, nullable=False),
    Column("sent_line", Integer, nullable=False),  # index into the sent claim's lines, -1
    Column("how", String(10), nullable=False),  # exact | fallback | ""
    ForeignKeyConstraint(["file_id", "remit_seq"], ["remits.file_id", "remits.remit_seq"]),
)

adjustments = Table(
    "adjustments", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("remit_seq", Integer, primary_key=True),
    Column("adj_seq", Integer, primary_key=True),
    Column("line_seq", Integer),  # NULL: claim-level (2100 CAS)
    Column("group_code", String(2), nullable=False),
    Column("reason", String(5), nullable=False),
    Column("remark", String(10), nullable=False),  # the remark that decided the category
    Column("category", String(40), nullable=False),
    Column("denial", Boolean, nullable=False),
    Column("action", Text, nullable=False),
    Column("amount", MONEY, nullable=False),
    ForeignKeyConstraint(["file_id", "remit_seq"], ["remits.file_id", "remits.remit_seq"]),
)

acks = Table(
    "acks", metadata,
    Column("file_id", Integer, primary_key=True),
    Column("ack_seq", Integer, primary_key=True),
    Column("kind", String(5), nullable=False),  # 999 (per set) | 277 (per claim)
    Column("set_control", String(9), nullable=False),  # 999 AK202: the 837 ST02
    Column("claim_id", String(50), nullable=False),  # 277CA 2200D TRN02 (CLM01)
    Column("accepted", Boolean, nullable=False),
    Column("code", String(20), nullable=False),  # IK501 / STC01
    Column("message", Text, nullable=False),
    ForeignKeyConstraint(["file_id"], ["files.file_id"]),
)

status_history = Table(
    "status_history", metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),  # chronological
    Column("file_id", Integer, nullable=False),
    Column("claim_seq", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("status_date", String(8), nullable=False),
    Column("source_file_id", Integer, nullable=False),  # the file that caused it
    Column("note", Text, nullable=False),
    ForeignKeyConstraint(["file_id", "claim_seq"], ["claims.file_id", "claims.claim_seq"]),
)
Index("ix_status_history_claim", status_history.c.file_id, status_history.c.claim_seq)

# One row; every ingest locks it (SELECT ... FOR UPDATE on PostgreSQL; SQLite's
# BEGIN IMMEDIATE already serializes writers) so settlement never races itself.
ledger_lock = Table(
    "ledger_lock", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
)
