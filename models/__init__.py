"""Tortoise models, one module per domain: fields and invariants only.

Each foreign key is declared with its id attribute beside it (``agency_id: uuid.UUID``): Tortoise
sets that attribute at run time; the annotation, which has no value, is there for the type
checker and changes neither the model nor its migrations.
"""
