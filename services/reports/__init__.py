"""Reports over a scope and a period: the shared scope rules (``services.reports.scope``)."""
