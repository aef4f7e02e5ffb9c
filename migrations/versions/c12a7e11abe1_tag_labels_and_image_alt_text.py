"""tag labels and image alt text

Revision ID: c12a7e11abe1
Revises: c7d15e4a0f21
Create Date: 2026-11-24 18:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c12a7e11abe1'
down_revision = 'c7d15e4a0f21'
branch_labels = None
depends_on = None


def upgrade():
    # A tag as first typed ("Reading Group"), shown instead of its address ("reading-group").
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=60), server_default='',
                                      nullable=False))
    # What an event's image shows, for people who cannot see it.
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('image_alt', sa.String(length=300), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('image_alt')
    with op.batch_alter_table('tags', schema=None) as batch_op:
        batch_op.drop_column('label')
