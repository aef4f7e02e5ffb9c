"""speaker photos and organisation logos

Revision ID: d4e5f6a7b8c9
Revises: 206dd6aef04c
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e5f6a7b8c9'
down_revision = '206dd6aef04c'
branch_labels = None
depends_on = None


def upgrade():
    # Stored like event images (services/images.py): a random id, the files re-encoded.
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_id', sa.String(length=32), nullable=True))
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_id', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('logo_id')
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.drop_column('photo_id')
