"""Bridge: translate frontline KPIs into executive numbers."""
