"""confirmation secret per registration; session version per organiser

Revision ID: c1d2e3f4a5b6
Revises: b50a90da1442
Create Date: 2026-11-24 19:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c1d2e3f4a5b6'
down_revision = 'b50a90da1442'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirm_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_registrations_confirm_token'),
                                          ['confirm_token'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='0'))
    # Pending registrations made before this change get a confirmation secret of their own;
    # their old links (which used the management token) stop confirming.
    connection = op.get_bind()
    import secrets
    rows = connection.execute(sa.text(
        "SELECT id FROM registrations WHERE status = 'pending'")).fetchall()
    for (row_id,) in rows:
        connection.execute(sa.text("UPDATE registrations SET confirm_token = :t WHERE id = :i"),
                           {"t": secrets.token_urlsafe(32), "i": row_id})


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registrations_confirm_token'), type_='unique')
        batch_op.drop_column('confirm_token')
