"""quoted usage prices: the usage rates an order (and each amendment) carried, by date

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE IF NOT EXISTS subscription_usage_prices (
            subscription_id UUID NOT NULL REFERENCES subscriptions (id),
            effective_from DATE NOT NULL,
            rates JSONB NOT NULL,
            received_at TIMESTAMP WITH TIME ZONE NOT NULL,
            PRIMARY KEY (subscription_id, effective_from),
            CONSTRAINT ck_usage_prices_rates_array CHECK (jsonb_typeof(rates) = 'array')
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS subscription_usage_prices")
