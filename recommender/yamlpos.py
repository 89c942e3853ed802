"""YAML loading that remembers where every value came from.

Definitions (forms/, rules/) are validated after loading, and every problem must be reported
as `path:line:col`. `load_yaml` returns plain Python data plus a map from a value's path
(a tuple of keys and indexes, as in JSON Schema's `absolute_path`) to its 1-based line and
column. Aliases are refused (they make hostile "billion laughs" documents cheap) and so are
duplicate keys, which YAML would otherwise silently collapse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from recommender.errors import Problem

PathT = tuple[Any, ...]

MAX_YAML_BYTES = 2 * 1024 * 1024


@dataclass
class Located:
    """Loaded YAML data with the source position of every value and key."""

    data: Any
    path: str
    positions: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[PathT, tuple[int, int]] = field(default_factory=dict)

    def pos(self, where: Iterable[Any]) -> tuple[int, int]:
        """Position of the value at `where`, or of its closest located ancestor."""
        p = tuple(where)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def key_pos(self, where: Iterable[Any]) -> tuple[int, int]:
        """Position of the key that names the value at `where` (falls back to the value)."""
        p = tuple(where)
        return self.key_positions.get(p) or self.pos(p)

    def problem(self, where: Iterable[Any], message: str, *, at_key: bool = False) -> Problem:
        line, col = self.key_pos(where) if at_key else self.pos(where)
        return Problem(self.path, line, col, message)


class YamlError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


# libyaml's parser when PyYAML was built with it (about 10x faster than pure Python; the
# same nodes and marks), else the pure-Python one.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_yaml(text: str, path: str = "<string>") -> Located:
    """Parse `text`; raise YamlError (with position) on syntax errors, aliases or duplicates."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlError(Problem(path, 1, 1, f"file is larger than {MAX_YAML_BYTES} bytes"))
    loader = _LOADER(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            msg = f"YAML syntax error: {exc.problem or exc.context}"
            raise YamlError(Problem(path, line, col, msg)) from None
        except yaml.YAMLError as exc:
            raise YamlError(Problem(path, 1, 1, f"YAML error: {exc}")) from None
        located = Located(data=None, path=path)
        if root is None:
            located.data = None
            return located
        seen: set[int] = set()

        def build(node: yaml.Node, where: PathT) -> Any:
            if id(node) in seen:
                line, col = _mark(node)
                raise YamlError(Problem(path, line, col, "YAML aliases (*name) are not allowed"))
            seen.add(id(node))
            located.positions[where] = _mark(node)
            if isinstance(node, yaml.MappingNode):
                out: dict[Any, Any] = {}
                for key_node, value_node in node.value:
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        line, col = _mark(key_node)
                        raise YamlError(Problem(path, line, col, "YAML merge keys (<<) are not allowed"))
                    if not isinstance(key_node, yaml.ScalarNode):
                        line, col = _mark(key_node)
                        raise YamlError(Problem(path, line, col, "mapping keys must be plain values"))
                    key = loader.construct_object(key_node)
                    if isinstance(key, int | float | bool) or key is None:
                        key = str(key_node.value)
                    if key in out:
                        line, col = _mark(key_node)
                        raise YamlError(Problem(path, line, col, f"duplicate key '{key}'"))
                    located.key_positions[where + (key,)] = _mark(key_node)
                    out[key] = build(value_node, where + (key,))
                return out
            if isinstance(node, yaml.SequenceNode):
                return [build(item, where + (i,)) for i, item in enumerate(node.value)]
            value = loader.construct_object(node, deep=True)
            return value

        located.data = build(root, ())
        return located
    finally:
        loader.dispose()
