"""Dashboard resource: the HTML page at / and /dashboard."""
