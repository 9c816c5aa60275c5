"""Access table: /healthz is public (load balancers poll it without signing in)."""
ROUTES: dict = {}
PUBLIC = {"health.check"}
