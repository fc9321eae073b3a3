"""YAML with line numbers: compose nodes, convert to plain values, remember each node's line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Located:
    """A plain YAML value with the 1-based line where it starts."""

    value: Any
    line: int


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=yaml.SafeLoader)


def plain(node: yaml.Node) -> Any:
    """The node as plain Python values (constructed by the safe loader, so types match load)."""
    return yaml.SafeLoader("").construct_document(node) if node is not None else None


def mapping_items(node: yaml.Node) -> dict[str, tuple[yaml.Node, int]]:
    """Keys of a mapping node → (value node, line)."""
    out: dict[str, tuple[yaml.Node, int]] = {}
    for key, value in node.value:
        out[str(key.value)] = (value, key.start_mark.line + 1)
    return out


def line_of(node: yaml.Node) -> int:
    return node.start_mark.line + 1
