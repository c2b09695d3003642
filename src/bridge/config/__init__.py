"""Stage 1 — what the numbers mean: the files in ``config/`` parsed into frozen, validated specs."""
