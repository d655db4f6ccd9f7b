"""sign-in security: e-mail addresses unique per company instead of globally; the counters of the
sign-in limits, shared by every worker

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.create_unique_constraint('uq_users_company_id_email', ['company_id', 'email'])
        batch_op.create_index('ix_users_email', ['email'], unique=False)
    op.create_table('sign_in_counters',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_counters'))
    )
    with op.batch_alter_table('sign_in_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_counters_expires_at'), ['expires_at'],
                              unique=False)


def downgrade():
    # The old schema allows each address once in the whole installation: refuse (and change
    # nothing) while people of different companies share one, rather than fail half-way.
    shared = op.get_bind().execute(sa.text(
        "SELECT email FROM users GROUP BY email HAVING COUNT(*) > 1 ORDER BY email LIMIT 5"
    )).scalars().all()
    if shared:
        raise RuntimeError(
            "Cannot downgrade below 0013: these e-mail addresses belong to people in several "
            f"companies: {', '.join(shared)}. Give each person an address of their own first.")
    with op.batch_alter_table('sign_in_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_counters_expires_at'))
    op.drop_table('sign_in_counters')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_email')
        batch_op.drop_constraint('uq_users_company_id_email', type_='unique')
        batch_op.create_unique_constraint('uq_users_email', ['email'])
