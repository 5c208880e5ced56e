"""contract-svc's pure domain: contract terms, contract value and the contract's lifecycle."""
