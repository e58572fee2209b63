"""Fast loaders and dumpers compiled from the marshmallow wire schemas.

Marshmallow's general machinery costs about 200 µs to load one inspection, which would cap
a sync push far below its target. ``compile_schema`` walks a schema once and builds plain
closures that do the same work for the values a well-behaved client sends. The
marshmallow declarations stay the only source of the rules:

- every validator a field declares runs, and every ``@validates_schema`` hook runs;
- anything the fast path does not recognise exactly (a number sent as a string, any
  invalid value) makes it give up, and the same data is loaded by marshmallow itself,
  which either accepts it or raises its usual, detailed errors.

So the fast path can only be stricter than marshmallow, never looser, and a test checks
both agree on generated data. ``partial`` here always means "top-level fields may be
missing"; documents nested inside a field are validated whole.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields
from marshmallow.decorators import VALIDATES_SCHEMA
from marshmallow.utils import missing

Loader = Callable[[Any], Any]
Dumper = Callable[[Any], Any]


class GiveUp(Exception):
    """The fast path met something it does not handle; marshmallow decides instead."""


def _validated(field: fields.Field, convert: Loader) -> Loader:
    """``convert`` with the field's validators and its handling of ``null``.

    Every converter gives up on ``None``, so a field that has no validators and does not allow
    ``null`` is loaded by its converter alone: no wrapper call for each of a push's many values.
    """
    validators = tuple(field.validators)
    allow_none = field.allow_none
    if not validators and not allow_none:
        return convert

    def load(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise GiveUp
        result = convert(value)
        for validator in validators:
            validator(result)
        return result

    return load


def _string(value: Any) -> str:
    if type(value) is not str:
        raise GiveUp
    return value


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise GiveUp
    return value


def _float(value: Any) -> float:
    if type(value) is not float and type(value) is not int:
        raise GiveUp
    value = float(value)
    if not math.isfinite(value):
        raise GiveUp
    return value


def _boolean(value: Any) -> bool:
    if value is True or value is False:
        return value
    raise GiveUp


def _uuid(value: Any) -> uuid.UUID:
    if type(value) is not str:
        raise GiveUp
    return uuid.UUID(value)


def _date(value: Any) -> dt.date:
    if type(value) is not str or not value:
        raise GiveUp
    return dt.date.fromisoformat(value)


def _aware_datetime(value: Any) -> dt.datetime:
    if type(value) is not str or not value:
        raise GiveUp
    result = dt.datetime.fromisoformat(value)
    if result.utcoffset() is None:
        raise GiveUp
    return result


SCALAR_LOADERS: dict[type, Loader] = {
    fields.String: _string,
    fields.Integer: _integer,
    fields.Float: _float,
    fields.Boolean: _boolean,
    fields.UUID: _uuid,
    fields.Date: _date,
    fields.AwareDateTime: _aware_datetime,
}


def _field_loader(field: fields.Field) -> Loader:
    if isinstance(field, fields.Nested):
        nested = compile_schema(type(field.schema))
        if getattr(field, "many", False):
            raise TypeError("nested many is not used by the wire schemas")
        wire = getattr(field, "keeps_wire_form", False)

        def load_nested(value: Any) -> Any:
            loaded = nested.fast_load(value, partial=False)
            return nested.dump(loaded) if wire else loaded

        return _validated(field, load_nested)
    if isinstance(field, fields.List):
        inner = _field_loader(field.inner)

        def load_list(value: Any) -> list:
            if type(value) is not list:
                raise GiveUp
            return [inner(each) for each in value]

        return _validated(field, load_list)
    if isinstance(field, fields.Dict):
        key = _field_loader(field.key_field) if field.key_field else _identity
        value_loader = _field_loader(field.value_field) if field.value_field else _identity

        def load_mapping(value: Any) -> dict:
            if type(value) is not dict:
                raise GiveUp
            return {key(k): value_loader(v) for k, v in value.items()}

        return _validated(field, load_mapping)
    convert = SCALAR_LOADERS.get(type(field))
    if convert is None:
        raise TypeError(f"no fast loader for {type(field).__name__}")
    return _validated(field, convert)


def _identity(value: Any) -> Any:
    return value


def _field_dumper(field: fields.Field) -> Dumper:
    if isinstance(field, fields.Nested):
        if getattr(field, "keeps_wire_form", False):
            return _identity
        nested = compile_schema(type(field.schema))
        return lambda value: None if value is None else nested.dump(value)
    if isinstance(field, fields.List):
        inner = _field_dumper(field.inner)
        return lambda value: None if value is None else [inner(each) for each in value]
    if isinstance(field, fields.Dict):
        inner = _field_dumper(field.value_field) if field.value_field else _identity
        return lambda value: None if value is None else {k: inner(v) for k, v in value.items()}
    if isinstance(field, fields.UUID):
        return lambda value: None if value is None else str(value)
    if isinstance(field, (fields.Date, fields.DateTime)):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(field, fields.Float):
        return lambda value: None if value is None else float(value)
    return _identity


class CompiledSchema:
    """A schema's fast ``load`` (same results as marshmallow) and ``dump`` (same output)."""

    def __init__(self, schema_class: type[Schema]) -> None:
        self.schema = schema_class()
        self.loaders: dict[str, Loader] = {}
        self.dumpers: dict[str, Dumper] = {}
        self.required: set[str] = set()
        self.defaults: dict[str, Any] = {}
        for name, field in self.schema.fields.items():
            if field.data_key not in (None, name):
                raise TypeError("data_key is not used by the wire schemas")
            if not field.dump_only:
                self.loaders[name] = _field_loader(field)
                if field.required:
                    self.required.add(name)
                elif field.load_default is not missing:
                    self.defaults[name] = field.load_default
            if not field.load_only:
                self.dumpers[name] = _field_dumper(field)
        self.validators = [
            getattr(self.schema, name) for name, many, _ in self.schema._hooks[VALIDATES_SCHEMA] if not many
        ]
        self.names = frozenset(self.loaders)

    def load(self, data: Any, *, partial: bool = False) -> dict[str, Any]:
        """Load like ``schema.load``; raises marshmallow's ``ValidationError`` when invalid."""
        try:
            return self.fast_load(data, partial=partial)
        except (GiveUp, ValidationError, ValueError, TypeError, AttributeError):
            return self.schema.load(data, partial=tuple(self.names) if partial else False)

    def fast_load(self, data: Any, *, partial: bool) -> dict[str, Any]:
        if type(data) is not dict or not data.keys() <= self.names:
            raise GiveUp
        result = {}
        for name, load in self.loaders.items():
            if name in data:
                result[name] = load(data[name])
            elif partial:
                continue
            elif name in self.required:
                raise GiveUp
            elif name in self.defaults:
                default = self.defaults[name]
                result[name] = default() if callable(default) else default
        for validator in self.validators:
            validator(result, partial=partial, many=False)
        return result

    def dump(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """The wire form of a loaded mapping (missing keys are left out)."""
        return {name: dump(value[name]) for name, dump in self.dumpers.items() if name in value}

    def dump_object(self, record: Any) -> dict[str, Any]:
        """The wire form of an object's attributes, like ``schema.dump(obj)``."""
        return {name: dump(getattr(record, name)) for name, dump in self.dumpers.items()}


_compiled: dict[type[Schema], CompiledSchema] = {}


def compile_schema(schema_class: type[Schema]) -> CompiledSchema:
    if schema_class not in _compiled:
        _compiled[schema_class] = CompiledSchema(schema_class)
    return _compiled[schema_class]
