"""/healthz: the site's health, for load balancers and monitoring."""
