"""Frozen, validated models of everything in ``config/`` (sources, metrics, decisions)."""
