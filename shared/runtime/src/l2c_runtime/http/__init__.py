"""What every service's HTTP API shares: body limits, idempotency keys, pagination and the
error answers its OpenAPI documents."""
