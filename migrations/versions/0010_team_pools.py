"""team pools: a pool account per team and period, and the policy switch that enables pools

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id'),
    sa.UniqueConstraint('company_id', 'team_id', 'period_start')
    )
    with op.batch_alter_table('team_pools', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_pools_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_team_pools_team_id'), ['team_id'], unique=False)

    with op.batch_alter_table('budget_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_pools', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('budget_policies', schema=None) as batch_op:
        batch_op.drop_column('team_pools')

    with op.batch_alter_table('team_pools', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_pools_team_id'))
        batch_op.drop_index(batch_op.f('ix_team_pools_company_id'))

    op.drop_table('team_pools')
