"""Stage 4 — what a person sees: formats, charts, tables, page content and the brief."""
