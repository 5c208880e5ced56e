"""deal-svc's use cases, one module per aggregate: opportunities, accounts (with their
contacts) and pipelines."""
