"""The dashboard's domain: what the page shows and the equity-curve chart."""
