"""personal join links, attendance, the attendee's zone, personal feeds, recordings

Revision ID: 5c7bc6510504
Revises: d4e5f6a7b8c9
Create Date: 2026-12-03 19:00:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '5c7bc6510504'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attendees',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('feed_secret', sa.String(length=64), nullable=False),
        sa.Column('reminders', sa.Boolean(), nullable=False),
        sa.Column('recording_notices', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attendees')),
        sa.UniqueConstraint('email', name=op.f('uq_attendees_email')),
        sa.UniqueConstraint('feed_secret', name=op.f('uq_attendees_feed_secret')))
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('joined_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('recording_notified_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_join_secret'),
                                          ['join_secret'])
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_url', sa.String(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('recording_public', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('slides_url', sa.String(length=500), nullable=False,
                                      server_default=''))
    # Registrations made before personal links get a join secret of their own.
    connection = op.get_bind()
    for (row_id,) in connection.execute(sa.text("SELECT id FROM registrations")).fetchall():
        connection.execute(sa.text("UPDATE registrations SET join_secret = :s WHERE id = :i"),
                           {"s": secrets.token_urlsafe(32), "i": row_id})


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('slides_url')
        batch_op.drop_column('recording_public')
        batch_op.drop_column('recording_url')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registrations_join_secret'), type_='unique')
        batch_op.drop_column('recording_notified_at')
        batch_op.drop_column('timezone')
        batch_op.drop_column('joined_at')
        batch_op.drop_column('join_secret')
    op.drop_table('attendees')
