"""Safety: private, non-anonymous requests for a facilitator to reach out (blueprint in views)."""
