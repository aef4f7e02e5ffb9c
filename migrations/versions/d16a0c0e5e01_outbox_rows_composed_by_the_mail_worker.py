"""outbox rows composed by the mail worker

Revision ID: d16a0c0e5e01
Revises: 5c7bc6510504
Create Date: 2026-12-03 19:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd16a0c0e5e01'
down_revision = '5c7bc6510504'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.alter_column('message', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_registration_id_registrations'),
                                    'registrations', ['registration_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    # Rows not yet composed have no message to keep: they go (downgrading loses them).
    op.execute("DELETE FROM outbox WHERE message IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_registration_id_registrations'),
                                 type_='foreignkey')
        batch_op.alter_column('message', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('params')
        batch_op.drop_column('registration_id')
        batch_op.drop_column('kind')
