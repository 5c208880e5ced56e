"""contract-svc's HTTP API."""

from contract_svc.api import changes, contracts, orders

routers = [contracts.router, changes.router, orders.router]

__all__ = ["routers"]
