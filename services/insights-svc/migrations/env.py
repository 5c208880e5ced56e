from insights_svc.adapters.tables import metadata
from l2c_runtime.migrations import run_migrations

run_migrations(metadata)
