"""initial ledger schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-03 13:51:59.236606
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('files',
    sa.Column('file_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('sender', sa.String(length=35), nullable=False),
    sa.Column('isa13', sa.String(length=9), nullable=False),
    sa.Column('gs06', sa.String(length=9), nullable=False),
    sa.Column('st02', sa.String(length=9), nullable=False),
    sa.Column('batch_date', sa.String(length=8), nullable=False),
    sa.Column('ingested_at', sa.String(length=26), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('file_id'),
    sa.UniqueConstraint('kind', 'sender', 'isa13', 'gs06', 'st02', name='uq_files_control'),
    sa.UniqueConstraint('sha256', name='uq_files_sha256')
    )
    lock = op.create_table('ledger_lock',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(lock, [{'id': 1}])
    op.create_table('acks',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('ack_seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=5), nullable=False),
    sa.Column('set_control', sa.String(length=9), nullable=False),
    sa.Column('claim_id', sa.String(length=50), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['files.file_id'], ),
    sa.PrimaryKeyConstraint('file_id', 'ack_seq')
    )
    op.create_table('claims',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('claim_seq', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.String(length=38).with_variant(
        sa.String(length=38, collation='C'), 'postgresql'), nullable=False),
    sa.Column('st02', sa.String(length=9), nullable=False),
    sa.Column('batch_date', sa.String(length=8), nullable=False),
    sa.Column('payer_id', sa.String(length=80), nullable=False),
    sa.Column('provider_npi', sa.String(length=80), nullable=False),
    sa.Column('profile', sa.String(length=40), nullable=False),
    sa.Column('patient', sa.Text(), nullable=False),
    sa.Column('member_id', sa.String(length=80), nullable=False),
    sa.Column('dos', sa.String(length=8), nullable=False),
    sa.Column('charge', sa.BigInteger(), nullable=False),
    sa.Column('frequency', sa.String(length=1), nullable=False),
    sa.Column('held', sa.Boolean(), nullable=False),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('net_paid', sa.BigInteger(), nullable=False),
    sa.Column('payer_claim_id', sa.String(length=50), nullable=False),
    sa.Column('status_date', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['files.file_id'], ),
    sa.PrimaryKeyConstraint('file_id', 'claim_seq')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index('ix_claims_claim_id', ['claim_id'], unique=False)
        batch_op.create_index('ix_claims_status', ['status'], unique=False)

    op.create_table('payments',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('payment_seq', sa.Integer(), nullable=False),
    sa.Column('st02', sa.String(length=9), nullable=False),
    sa.Column('trace', sa.String(length=50), nullable=False),
    sa.Column('payer_id', sa.String(length=80), nullable=False),
    sa.Column('payment_date', sa.String(length=8), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['files.file_id'], ),
    sa.PrimaryKeyConstraint('file_id', 'payment_seq')
    )
    op.create_table('remits',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('remit_seq', sa.Integer(), nullable=False),
    sa.Column('payment_seq', sa.Integer(), nullable=False),
    sa.Column('sent_file_id', sa.Integer(), nullable=True),
    sa.Column('sent_claim_seq', sa.Integer(), nullable=True),
    sa.Column('match', sa.String(length=10), nullable=False),
    sa.Column('claim_id', sa.String(length=38), nullable=False),
    sa.Column('status_code', sa.String(length=2), nullable=False),
    sa.Column('payer_claim_id', sa.String(length=50), nullable=False),
    sa.Column('trace', sa.String(length=50), nullable=False),
    sa.Column('payer_id', sa.String(length=80), nullable=False),
    sa.Column('payment_date', sa.String(length=8), nullable=False),
    sa.Column('charge', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('patient', sa.Text(), nullable=False),
    sa.Column('member_id', sa.String(length=80), nullable=False),
    sa.Column('balanced', sa.Boolean(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['files.file_id'], ),
    sa.PrimaryKeyConstraint('file_id', 'remit_seq')
    )
    with op.batch_alter_table('remits', schema=None) as batch_op:
        batch_op.create_index('ix_remits_claim_id', ['claim_id'], unique=False)
        batch_op.create_index('ix_remits_sent', ['sent_file_id', 'sent_claim_seq'], unique=False)

    op.create_table('adjustments',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('remit_seq', sa.Integer(), nullable=False),
    sa.Column('adj_seq', sa.Integer(), nullable=False),
    sa.Column('line_seq', sa.Integer(), nullable=True),
    sa.Column('group_code', sa.String(length=2), nullable=False),
    sa.Column('reason', sa.String(length=5), nullable=False),
    sa.Column('remark', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('denial', sa.Boolean(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['file_id', 'remit_seq'], ['remits.file_id', 'remits.remit_seq'], ),
    sa.PrimaryKeyConstraint('file_id', 'remit_seq', 'adj_seq')
    )
    op.create_table('claim_lines',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('claim_seq', sa.Integer(), nullable=False),
    sa.Column('line_seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('control', sa.String(length=50), nullable=False),
    sa.Column('procedure', sa.String(length=48), nullable=False),
    sa.Column('modifiers', sa.String(length=20), nullable=False),
    sa.Column('dos', sa.String(length=8), nullable=False),
    sa.Column('charge', sa.BigInteger(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=True),
    sa.Column('rules', sa.Text(), nullable=False),
    sa.Column('flags', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('allowed', sa.BigInteger(), nullable=True),
    sa.Column('denied', sa.BigInteger(), nullable=False),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.Column('denial_categories', sa.Text(), nullable=False),
    sa.Column('prediction', sa.String(length=20), nullable=False),
    sa.Column('payment_date', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['file_id', 'claim_seq'], ['claims.file_id', 'claims.claim_seq'], ),
    sa.PrimaryKeyConstraint('file_id', 'claim_seq', 'line_seq')
    )
    op.create_table('findings',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('claim_seq', sa.Integer(), nullable=False),
    sa.Column('finding_seq', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['file_id', 'claim_seq'], ['claims.file_id', 'claims.claim_seq'], ),
    sa.PrimaryKeyConstraint('file_id', 'claim_seq', 'finding_seq')
    )
    op.create_table('remit_lines',
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('remit_seq', sa.Integer(), nullable=False),
    sa.Column('line_seq', sa.Integer(), nullable=False),
    sa.Column('procedure', sa.String(length=48), nullable=False),
    sa.Column('adjudicated', sa.String(length=48), nullable=False),
    sa.Column('modifiers', sa.String(length=20), nullable=False),
    sa.Column('control', sa.String(length=50), nullable=False),
    sa.Column('dos', sa.String(length=8), nullable=False),
    sa.Column('charge', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('remarks', sa.Text(), nullable=False),
    sa.Column('sent_line', sa.Integer(), nullable=False),
    sa.Column('how', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['file_id', 'remit_seq'], ['remits.file_id', 'remits.remit_seq'], ),
    sa.PrimaryKeyConstraint('file_id', 'remit_seq', 'line_seq')
    )
    op.create_table('status_history',
    sa.Column('event_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('claim_seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_date', sa.String(length=8), nullable=False),
    sa.Column('source_file_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['file_id', 'claim_seq'], ['claims.file_id', 'claims.claim_seq'], ),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('status_history', schema=None) as batch_op:
        batch_op.create_index('ix_status_history_claim', ['file_id', 'claim_seq'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_history', schema=None) as batch_op:
        batch_op.drop_index('ix_status_history_claim')

    op.drop_table('status_history')
    op.drop_table('remit_lines')
    op.drop_table('findings')
    op.drop_table('claim_lines')
    op.drop_table('adjustments')
    with op.batch_alter_table('remits', schema=None) as batch_op:
        batch_op.drop_index('ix_remits_sent')
        batch_op.drop_index('ix_remits_claim_id')

    op.drop_table('remits')
    op.drop_table('payments')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_status')
        batch_op.drop_index('ix_claims_claim_id')

    op.drop_table('claims')
    op.drop_table('acks')
    op.drop_table('ledger_lock')
    op.drop_table('files')
