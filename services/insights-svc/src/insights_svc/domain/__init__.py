"""Pure projection and metric rules of insights-svc: no I/O, no runtime."""
