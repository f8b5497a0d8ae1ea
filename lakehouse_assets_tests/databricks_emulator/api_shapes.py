"""Request checks of the Databricks REST test double: every field of a request, at every depth, as the API has it.

The published field lists come from databricks-sdk: each endpoint's client method names the request's fields
(its parameters, required when they have no default) and their types, down to the SDK's dataclasses for nested
objects. This is written apart from the project's own config checks (lakehouse_assets/settings/cluster_spec.py),
so a mistake there is not repeated here. A request with an unknown field, a missing required one or a value of
the wrong type is answered 400 INVALID_PARAMETER_VALUE naming the field, as the service answers.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

from .errors import ApiError


def check_request(method: Callable[..., Any], args: dict[str, Any], *, typed: bool = True) -> None:
    """Raise the service's 400 for `args` sent to the endpoint of SDK client `method`. Query strings carry no
    types, so `typed=False` checks names only."""
    fields = _parameters(method)
    problems = [f"{name}: unknown field" for name in args if name not in fields]
    problems += [f"{name}: required field missing" for name, (_, required) in fields.items() if required and name not in args]
    if typed:
        for name, value in args.items():
            if name in fields:
                problems += _problems(fields[name][0], value, name)
    if problems:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "Invalid request: " + "; ".join(problems))


@cache
def _parameters(method: Callable[..., Any]) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(method)
    return {
        name: (hints.get(name, Any), parameter.default is inspect.Parameter.empty)
        for name, parameter in inspect.signature(method).parameters.items()
        if name != "self"
    }


@cache
def _dataclass_fields(cls: type) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(cls)
    required = {
        field.name
        for field in dataclasses.fields(cls)
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    }
    return {field.name: (hints[field.name], field.name in required) for field in dataclasses.fields(cls)}


def _problems(kind: Any, value: Any, where: str) -> list[str]:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return [] if value is None else _problems(options[0], value, where)
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        fields = _dataclass_fields(kind)
        found = [f"{where}.{name}: unknown field" for name in value if name not in fields]
        found += [f"{where}.{name}: required field missing" for name, (_, required) in fields.items() if required and name not in value]
        return found + [problem for name, item in value.items() if name in fields for problem in _problems(fields[name][0], item, f"{where}.{name}")]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected an array"]
        (item_kind,) = typing.get_args(kind)
        return [problem for index, item in enumerate(value) for problem in _problems(item_kind, item, f"{where}[{index}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        item_kind = typing.get_args(kind)[1]
        return [problem for key, item in value.items() for problem in _problems(item_kind, item, f"{where}.{key}")]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [] if value in {member.value for member in kind} else [f"{where}: {value!r} is not a valid value"]
    expected = {str: str, bool: bool, int: int, float: (int, float)}.get(kind)
    if expected is None:
        return []
    if isinstance(value, bool) and kind is not bool:
        return [f"{where}: expected {kind.__name__}, got a boolean"]
    return [] if isinstance(value, expected) else [f"{where}: expected {kind.__name__}, got {type(value).__name__}"]
