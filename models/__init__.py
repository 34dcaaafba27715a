"""Tortoise models, one module per domain: fields and invariants only."""
