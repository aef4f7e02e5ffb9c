"""The only place that queries, commits and sends mail."""
