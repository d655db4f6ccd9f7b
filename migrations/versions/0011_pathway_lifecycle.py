"""pathway lifecycle: archived pathways; mentor bookings made from a pathway step

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learning_pathways', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('mentor_bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enrolment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('step_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mentor_bookings_enrolment_id'), ['enrolment_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mentor_bookings_enrolment_id_pathway_enrolments'),
                                    'pathway_enrolments', ['enrolment_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_mentor_bookings_step_id_pathway_steps'),
                                    'pathway_steps', ['step_id'], ['id'])


def downgrade():
    with op.batch_alter_table('mentor_bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mentor_bookings_step_id_pathway_steps'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_mentor_bookings_enrolment_id_pathway_enrolments'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mentor_bookings_enrolment_id'))
        batch_op.drop_column('step_id')
        batch_op.drop_column('enrolment_id')

    with op.batch_alter_table('learning_pathways', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
