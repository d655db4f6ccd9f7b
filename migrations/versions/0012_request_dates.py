"""learning requests: an index for the company's requests by date (All requests, newest first)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 13:30:00

"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_learning_requests_company_created', 'learning_requests',
                    ['company_id', 'created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_learning_requests_company_created', table_name='learning_requests')
