"""A fast "certainly valid" check for the project's JSON Schemas, before jsonschema.

Validating a definition with `jsonschema` costs more than parsing it (every `$ref` is looked
up through `referencing`, every keyword builds a child validator): about a third of loading
rules/stripe.yaml and its data files. Nearly every load is of a valid file, so a schema is
compiled once per process into plain closures that answer one question: is this instance
certainly valid? When the answer is no (or the schema uses a keyword the closures do not
know), the caller runs jsonschema as before, so every message and its position come from
jsonschema exactly as they did. The check never accepts what jsonschema refuses: where it is
unsure (an unknown keyword, an `enum` of lists, a `uniqueItems` over objects) it says no.
`tests/engine/test_schemacheck.py` holds it to that on mutated copies of the real files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

Check = Callable[[Any], bool]

#: Keywords that never make an instance invalid (jsonschema does not assert `format` unless
#: given a format checker, and the loaders give none).
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "definitions",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "$anchor",
    }
)


def _never(instance: Any) -> bool:
    return False


def _always(instance: Any) -> bool:
    return True


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


_TYPES: dict[str, Check] = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    "integer": lambda x: (
        (isinstance(x, int) and not isinstance(x, bool))
        or (isinstance(x, float) and x.is_integer())
    ),
}


def same(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema decides it (True is not 1), or False when unsure."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return False


def _certainly_unique(items: list[Any]) -> bool:
    scalars = (str, int, float, bool, type(None))
    if not all(isinstance(x, scalars) for x in items):
        return False
    # Python-distinct scalars are distinct for jsonschema too (it tells True from 1, Python
    # does not: such a list is "unsure" here and goes to jsonschema).
    return len(set(items)) == len(items)


class _Compiler:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        found = self.refs.get(ref)
        if found is not None:
            return found
        if not ref.startswith("#"):
            return _never
        target: Any = self.root
        for part in ref[1:].split("/")[1:] if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return _never
        holder: list[Check] = []

        def late(instance: Any) -> bool:  # recursive schemas: compiled on first use
            return holder[0](instance)

        self.refs[ref] = late
        holder.append(self.compile(target))
        self.refs[ref] = holder[0]
        return holder[0]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False or not isinstance(schema, dict):
            return _never
        checks: list[Check] = []
        for key, value in schema.items():
            if key in _ANNOTATIONS or key in ("additionalProperties", "items"):
                continue  # additionalProperties and items are compiled with their siblings
            check = self.keyword(key, value, schema)
            if check is _never:
                return _never
            if check is not _always:
                checks.append(check)
        if "additionalProperties" in schema and "properties" not in schema:
            checks.append(self.properties({}, schema))
        if "items" in schema and "prefixItems" not in schema:
            checks.append(self.items(0, schema["items"]))
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        all_checks = tuple(checks)
        return lambda x: all(c(x) for c in all_checks)

    def keyword(self, key: str, value: Any, schema: dict[str, Any]) -> Check:
        if key == "type":
            names = [value] if isinstance(value, str) else value
            if not isinstance(names, list) or not all(n in _TYPES for n in names):
                return _never
            tests = tuple(_TYPES[n] for n in names)
            return tests[0] if len(tests) == 1 else (lambda x: any(t(x) for t in tests))
        if key == "$ref" and isinstance(value, str):
            return self.ref(value)
        if key == "properties" and isinstance(value, dict):
            return self.properties(value, schema)
        if key == "required" and isinstance(value, list):
            names = tuple(value)
            return lambda x: not isinstance(x, dict) or all(n in x for n in names)
        if key == "propertyNames":
            sub = self.compile(value)
            return lambda x: not isinstance(x, dict) or all(sub(k) for k in x)
        if key == "prefixItems" and isinstance(value, list):
            return self.prefix_items(value, schema.get("items", True))
        if key in ("minItems", "maxItems", "minLength", "maxLength") and _is_number(value):
            return self.size(key, value)
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and _is_number(
            value
        ):
            return self.bound(key, value)
        if key == "pattern" and isinstance(value, str):
            search = re.compile(value).search
            return lambda x: not isinstance(x, str) or search(x) is not None
        if key == "enum" and isinstance(value, list):
            return self.enum(value)
        if key == "const":
            const = value
            return lambda x: same(x, const)
        if key == "uniqueItems":
            if value is not True:
                return _always
            return lambda x: not isinstance(x, list) or _certainly_unique(x)
        if key in ("anyOf", "allOf") and isinstance(value, list) and value:
            subs = tuple(self.compile(s) for s in value)
            if key == "anyOf":
                return lambda x: any(s(x) for s in subs)
            return lambda x: all(s(x) for s in subs)
        return _never  # a keyword this check does not know: leave the answer to jsonschema

    def enum(self, values: list[Any]) -> Check:
        if all(isinstance(v, str) for v in values):
            allowed = frozenset(values)
            return lambda x: isinstance(x, str) and x in allowed
        options = tuple(values)
        return lambda x: any(same(x, v) for v in options)

    def size(self, key: str, limit: float) -> Check:
        kind: tuple[type[Any], ...] = (list,) if key.endswith("Items") else (str,)
        if key.startswith("min"):
            return lambda x: not isinstance(x, kind) or len(x) >= limit
        return lambda x: not isinstance(x, kind) or len(x) <= limit

    def bound(self, key: str, limit: float) -> Check:
        compare: Callable[[Any], bool] = {
            "minimum": lambda x: x >= limit,
            "maximum": lambda x: x <= limit,
            "exclusiveMinimum": lambda x: x > limit,
            "exclusiveMaximum": lambda x: x < limit,
        }[key]
        return lambda x: not _is_number(x) or compare(x)

    def properties(self, props: dict[str, Any], schema: dict[str, Any]) -> Check:
        subs = {name: self.compile(sub) for name, sub in props.items()}
        extra_schema = schema.get("additionalProperties", True)
        if "patternProperties" in schema:
            return _never
        extra = self.compile(extra_schema)
        if extra is _always:

            def check(x: Any) -> bool:
                if not isinstance(x, dict):
                    return True
                return all(name not in x or sub(x[name]) for name, sub in subs.items())

            return check

        def check_all(x: Any) -> bool:
            if not isinstance(x, dict):
                return True
            for name, value in x.items():
                sub = subs.get(name) if isinstance(name, str) else None
                if sub is None:
                    if not extra(value):
                        return False
                elif not sub(value):
                    return False
            return True

        return check_all

    def items(self, start: int, schema: Any) -> Check:
        sub = self.compile(schema)
        if sub is _always:
            return _always
        if start == 0:
            return lambda x: not isinstance(x, list) or all(sub(v) for v in x)
        return lambda x: not isinstance(x, list) or all(sub(v) for v in x[start:])

    def prefix_items(self, prefix: list[Any], rest: Any) -> Check:
        subs = tuple(self.compile(s) for s in prefix)
        after = self.items(len(subs), rest)

        def check(x: Any) -> bool:
            if not isinstance(x, list):
                return True
            return all(s(v) for s, v in zip(subs, x, strict=False)) and after(x)

        return check


def compile_schema(schema: Any) -> Check:
    """`check(instance)`: True only when jsonschema would find no error in `instance`."""
    return _Compiler(schema).compile(schema)


@lru_cache(maxsize=16)
def certainly_valid_check(path: str) -> Check | None:
    """The compiled check of the schema file at `path` (once per process), None when the
    file does not exist."""
    file = Path(path)
    if not file.is_file():
        return None
    return compile_schema(json.loads(file.read_text(encoding="utf-8")))
