"""Model instances straight from database rows, as Tortoise builds them from a select."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model

__all__ = ["from_row"]


def from_row(model: type[Model], row: Any) -> Model:
    """``model._init_from_db(**row)``, without Tortoise's ``Model.__setattr__`` for its four
    bookkeeping attributes (each call tests ``hasattr(self, "_await_when_save")``, which raises
    and catches an AttributeError until the last is set: a third of the cost of building an
    instance). Fields are set as Tortoise sets them; a row without every column (a partial
    select) goes to Tortoise."""
    meta = model._meta
    self = model.__new__(model)
    _setattr = object.__setattr__
    _setattr(self, "_partial", False)
    _setattr(self, "_saved_in_db", True)
    _setattr(self, "_custom_generated_pk", meta.db_pk_column not in meta.generated_db_fields)
    _setattr(self, "_await_when_save", {})
    try:
        for key, model_field, _field in meta.db_native_fields:
            _setattr(self, model_field, row[key])
        for key, model_field, field in meta.db_default_fields:
            if (value := row[key]) is not None:
                value = field.field_type(value)
            _setattr(self, model_field, value)
        for key, model_field, field in meta.db_complex_fields:
            _setattr(self, model_field, field.to_python_value(row[key]))
    except KeyError:
        return model._init_from_db(**row)
    return self
