"""Stage 2 — the databases: the source read-only (measures, bounds, health) and Bridge's own state."""
