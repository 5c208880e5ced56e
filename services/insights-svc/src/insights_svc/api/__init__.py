"""insights-svc's HTTP API (routes only)."""
