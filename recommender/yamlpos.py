"""YAML loading that remembers where every value came from.

Definitions (forms/, rules/) are validated after loading, and every problem must be reported
as `path:line:col`. `load_yaml` returns plain Python data plus a map from a value's path
(a tuple of keys and indexes, as in JSON Schema's `absolute_path`) to its 1-based line and
column. Aliases are refused (they make hostile "billion laughs" documents cheap) and so are
duplicate keys, which YAML would otherwise silently collapse. Syntax errors are worded for a
rule author by `recommender.yamlexplain` (no parser jargon).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from recommender.errors import Problem
from recommender.yamlexplain import explain, explain_reader_error

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


def load_yaml(text: str, path: str = "<string>", *, positions: bool = True) -> Located:
    """Parse `text`; raise YamlError (with position) on syntax errors, aliases or duplicates.

    With `positions=False` the position maps stay empty (a published version, checked when it
    was published, needs no positions to be loaded again)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlError(
            Problem(
                path,
                1,
                1,
                f"the file is larger than {MAX_YAML_BYTES // (1024 * 1024)} MB: split it or "
                "remove what is not needed",
            )
        )
    try:
        loader = _LOADER(text)
    except yaml.reader.ReaderError as exc:  # the pure-Python reader checks characters here
        raise YamlError(Problem(path, *explain_reader_error(exc, text))) from None
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            raise YamlError(Problem(path, *explain(exc, text))) from None
        except yaml.reader.ReaderError as exc:
            raise YamlError(Problem(path, *explain_reader_error(exc, text))) from None
        except yaml.YAMLError:
            raise YamlError(
                Problem(path, 1, 1, "YAML cannot read this file: check its indentation")
            ) from None
        located = Located(data=None, path=path)
        if root is None:
            located.data = None
            return located
        build = _Builder(loader, path, located, positions)
        located.data = build.node(root, ())
        return located
    finally:
        loader.dispose()


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class _Builder:
    """Plain data from a composed node tree, recording positions (unless told not to) and
    refusing aliases, merge keys, non-scalar keys and duplicate keys. Text scalars (most of
    a definition) are taken as they are; other tags go through PyYAML's safe constructor."""

    def __init__(self, loader: Any, path: str, located: Located, positions: bool) -> None:
        self.loader = loader
        self.path = path
        self.positions: dict[PathT, tuple[int, int]] | None = (
            located.positions if positions else None
        )
        self.key_positions = located.key_positions
        self.seen: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> YamlError:
        line, col = _mark(node)
        return YamlError(Problem(self.path, line, col, message))

    def node(self, node: yaml.Node, where: PathT) -> Any:
        seen = self.seen
        if id(node) in seen:
            raise self.fail(
                node,
                "this value repeats another through a YAML alias (*name), which is not"
                " allowed: write the value out in full",
            )
        seen.add(id(node))
        positions = self.positions
        if positions is not None:
            mark = node.start_mark
            positions[where] = (mark.line + 1, mark.column + 1)
        cls = node.__class__
        if cls is yaml.ScalarNode:
            return node.value if node.tag == _STR else self.scalar(node)
        if cls is yaml.MappingNode:
            out: dict[Any, Any] = {}
            first_line: dict[Any, int] = {}
            for key_node, value_node in node.value:
                if key_node.__class__ is yaml.ScalarNode and key_node.tag == _STR:
                    key: Any = key_node.value
                else:
                    if key_node.tag == _MERGE:
                        raise self.fail(
                            key_node,
                            "'<<' (a YAML merge key) is not allowed: write the keys out in full",
                        )
                    if not isinstance(key_node, yaml.ScalarNode):
                        raise self.fail(
                            key_node,
                            "a key must be a plain word (write 'key: value'), not a list or a "
                            "group",
                        )
                    key = self.scalar(key_node)
                    if isinstance(key, int | float | bool) or key is None:
                        key = str(key_node.value)
                if key in out:
                    raise self.fail(
                        key_node,
                        f"duplicate key '{key}' (the first is on line {first_line[key]}):"
                        " a key may appear only once here; remove or rename one",
                    )
                mark = key_node.start_mark
                first_line[key] = mark.line + 1
                child = where + (key,)
                if positions is not None:
                    self.key_positions[child] = (mark.line + 1, mark.column + 1)
                out[key] = self.node(value_node, child)
            return out
        if cls is yaml.SequenceNode:
            return [self.node(item, where + (i,)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def scalar(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            raise self.fail(
                node,
                f"unknown tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}': remove "
                "it (values need no '!' tags here)",
            ) from None
        except (ValueError, TypeError, OverflowError):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            what = (
                "looks like a date but is not a valid one"
                if tag == "!!timestamp"
                else f"does not fit its tag '{tag}'"
            )
            raise self.fail(
                node, f"'{node.value}' {what}: put it in quotes if it is text"
            ) from None
