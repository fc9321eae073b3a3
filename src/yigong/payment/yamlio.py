"""YAML reading for policy files: numbers become ``Decimal`` (never float) and every field
keeps the line it came from, so a validation error can name file, line and field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

__all__ = ["DecimalLoader", "FieldPath", "load_with_lines", "line_for"]

FieldPath = tuple[str | int, ...]


class DecimalLoader(yaml.SafeLoader):
    """Safe loader that reads YAML floats as ``Decimal`` from their exact text."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    return Decimal(text)


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def _walk(node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def load_with_lines(text: str) -> tuple[Any, dict[FieldPath, int]]:
    """Parse YAML text; return the data and a map from field path to 1-based line."""
    node = yaml.compose(text, Loader=DecimalLoader)
    lines: dict[FieldPath, int] = {}
    if node is not None:
        _walk(node, (), lines)
    data = yaml.load(text, Loader=DecimalLoader)  # noqa: S506 - DecimalLoader is a SafeLoader
    return data, lines


def line_for(lines: dict[FieldPath, int], path: FieldPath) -> int | None:
    """The line of the longest known prefix of ``path``."""
    for cut in range(len(path), -1, -1):
        found = lines.get(tuple(path[:cut]))
        if found is not None:
            return found
    return None
