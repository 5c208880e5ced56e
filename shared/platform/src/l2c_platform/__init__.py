"""Local platform tooling: launch the services as processes, drive a journey, show it."""
