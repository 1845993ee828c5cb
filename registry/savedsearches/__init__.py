"""A signed-in buyer's saved searches (outside procurement projects), with opt-in e-mail alerts
when new published listings match."""
