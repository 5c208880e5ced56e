from l2c_runtime.migrations import run_migrations
from lead_svc.adapters.tables import metadata

run_migrations(metadata)
