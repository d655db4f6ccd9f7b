"""idempotency keys: the fingerprint of the request that first used each API Idempotency-Key, so
a repeat with a different body is refused (409) instead of answered with the first result

The services' own key columns stay String(200): a client key of up to 255 characters that would
not fit is stored as its SHA-256 (app.idempotency), so no column has to grow.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'],
                            name=op.f('fk_idempotency_keys_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('company_id', 'key', name=op.f('uq_idempotency_keys_company_id_key'))
    )


def downgrade():
    op.drop_table('idempotency_keys')
