"""The fast schema check never accepts what jsonschema refuses (random mutations of the real
rules/ files), accepts the real files (so loading takes the fast path), and the schemas
themselves are valid (the loaders no longer check them at run time when a file is valid)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from recommender.schemacheck import compile_schema, same
from recommender.yamlpos import load_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    ("ruleset", "stripe"),
    ("ruleset", "prequalification"),
    ("payment_methods", "payment_methods"),
    ("markets", "markets"),
    ("solution_design", "solution_design"),
]
ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    2.5,
    -0.5,
    10**6,
    "",
    "x",
    "Not An Id",
    "ok_id",
    "US",
    "usd",
    [],
    [1],
    ["a", "a"],
    ["a", "b"],
    [True, 1],
    {},
    {"x": 1},
    {"id": "a"},
]


def _schema(kind: str) -> Any:
    return json.loads((ROOT / "rules" / f"{kind}.schema.json").read_text(encoding="utf-8"))


def _paths(data: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [where]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, where + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, where + (i,))
    return out


def _mutate(data: Any, rnd: random.Random) -> Any:
    data = copy.deepcopy(data)
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(_paths(data)[1:])
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        move = rnd.random()
        current = parent[last]
        if move < 0.2 and isinstance(parent, dict):
            del parent[last]
        elif move < 0.3 and isinstance(parent, list):
            parent.append(copy.deepcopy(current))  # a repeated item
        elif move < 0.4 and isinstance(parent, dict):
            parent[rnd.choice(["extra", f"{last}x", "Id"])] = rnd.choice(ODD_VALUES)
        elif move < 0.5 and isinstance(current, str):
            parent[last] = rnd.choice([current.upper(), current + " !", current[:1], ""])
        elif move < 0.6 and isinstance(current, int | float) and not isinstance(current, bool):
            parent[last] = rnd.choice([-current, current + 0.5, float(current), -1, 0, True])
        elif move < 0.7 and isinstance(current, list):
            parent[last] = rnd.choice([[], current[:1], current + current[:1], [None]])
        else:
            parent[last] = copy.deepcopy(rnd.choice(ODD_VALUES))
    return data


@pytest.mark.parametrize(("kind", "name"), FILES)
def test_fast_check_never_accepts_what_jsonschema_refuses(kind: str, name: str) -> None:
    schema = _schema(kind)
    fast = compile_schema(schema)
    full = jsonschema.validators.validator_for(schema)(schema)
    data = load_yaml((ROOT / "rules" / f"{name}.yaml").read_text(encoding="utf-8")).data
    assert fast(data), "the real file should take the fast path"
    assert not list(full.iter_errors(data))
    rnd = random.Random(f"{kind}-{name}")
    refused = agreed = 0
    for _ in range(150):
        mutated = _mutate(data, rnd)
        errors = list(full.iter_errors(mutated))
        if fast(mutated):
            assert not errors, (errors[0].message, list(errors[0].absolute_path))
            agreed += 1
        else:
            refused += 1
            agreed += bool(errors)
    assert refused > 40  # the mutations do break the files
    assert agreed > 130  # and the check is rarely unsure about a valid one


@pytest.mark.parametrize("kind", sorted({k for k, _ in FILES}))
def test_schemas_are_valid_json_schemas(kind: str) -> None:
    schema = _schema(kind)
    jsonschema.validators.validator_for(schema).check_schema(schema)


def test_edge_cases_follow_jsonschema() -> None:
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"type": "integer"}, 1.0),
        ({"type": "integer"}, True),
        ({"type": "number"}, False),
        ({"enum": [1, "a"]}, True),
        ({"enum": [True]}, 1),
        ({"enum": [[1, 2]]}, [1, 2]),
        ({"const": 1}, 1.0),
        ({"uniqueItems": True}, [1, True]),
        ({"uniqueItems": True}, [1, 1.0]),
        ({"uniqueItems": True}, [{"a": 1}, {"a": 1}]),
        ({"pattern": "^a"}, "ba"),
        ({"pattern": "b"}, "abc"),
        ({"minLength": 2}, "é"),
        ({"exclusiveMinimum": 0}, 0),
        ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, ["a", 1, "b"]),
        ({"prefixItems": [{"type": "string"}], "items": False}, ["a"]),
        ({"additionalProperties": False}, {"a": 1}),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x"}),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 2.5),
        ({"not": {"type": "string"}}, 1),  # unknown to the fast check: unsure, never wrong
        ({"$ref": "#/$defs/x", "$defs": {"x": {"type": "array", "items": {"$ref": "#"}}}}, [[[]]]),
    ]
    for schema, instance in cases:
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(instance))
        if compile_schema(schema)(instance):
            assert not errors, (schema, instance)
    assert same(1, 1.0) and not same(True, 1) and not same("1", 1)
