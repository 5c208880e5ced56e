"""contract-svc: contracts drafted from accepted quotes, signatures and orders."""
