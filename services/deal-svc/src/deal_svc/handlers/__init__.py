"""deal-svc's use cases: opening deals, working open ones (opportunities), closing them,
accounts with their contacts, and pipeline configuration."""
