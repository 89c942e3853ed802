"""JSON Schema errors in words a rule author knows.

jsonschema says "/rules/3: 'when' is a required property" or "'Big Rule' does not match
'^[a-z][a-z0-9_]*$'". Authors of rulesets, data files and questionnaires get instead
"rule 4 (`enterprise_sigma`): `when` is missing" and "id 'Big Rule' may only use lowercase
letters, digits and underscores, starting with a letter": no JSON pointers, no regular
expressions, and a did-you-mean for unknown keys and choices. `describe` turns one error into
(path, message, at_key) triples; the path locates the problem in the YAML (`yamlpos`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import jsonschema

from recommender.errors import Problem
from recommender.suggest import close_match, did_you_mean
from recommender.yamlpos import Located

PathT = tuple[Any, ...]

# What a list's items are called ("rule 4", "question 2").
_SINGULAR = {
    "rules": "rule",
    "products": "product",
    "risks": "risk",
    "bundles": "bundle",
    "sections": "section",
    "questions": "question",
    "options": "option",
    "methods": "method",
    "markets": "market",
    "recommend": "recommendation",
    "flag": "flag",
    "derive": "derivation",
    "exclude": "exclusion",
    "params": "parameter",
    "tables": "table",
    "rows": "row",
    "scenarios": "scenario",
}

# Every pattern of rules/*.schema.json and forms/questionnaire.schema.json, in words.
_PATTERNS = {
    "^[a-z][a-z0-9_]*$": "may only use lowercase letters, digits and underscores, starting "
    "with a letter (like annual_volume)",
    "^[a-z0-9][a-z0-9_-]*$": "may only use lowercase letters, digits, '-' and '_' (like "
    "checkout-web)",
    "^[A-Za-z_][A-Za-z0-9_]*$": "may only use letters, digits and underscores, starting with a "
    "letter (like direct_sales)",
    "^[A-Z]{2}$": "must be a two-letter country code in capitals (like DE)",
    "^[A-Z]{3}$": "must be a three-letter currency code in capitals (like EUR)",
    "^(@[a-z][a-z0-9_]*|[A-Z]{2})$": "must be a two-letter country code in capitals (like DE) "
    "or a set of the ruleset (like @eea)",
    "^[A-Za-z0-9_][A-Za-z0-9_.-]*\\.ya?ml$": "must be a file name ending in .yaml (like "
    "markets.yaml), in the same folder",
}

_TYPES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "array": "a list (items on their own lines starting with '- ', or [a, b])",
    "object": "a group of 'key: value' lines",
    "null": "empty",
}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a group of 'key: value' lines"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def _join(words: Sequence[str], last: str = "or") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _item_name(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in ("id", "country", "name", "fact", "product", "risk", "value"):
            value = item.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None


def where(root: Any, path: PathT) -> tuple[str, str | None]:
    """(the item a path is in, the key it names within that item) in words: for
    ("rules", 3, "when"): ("rule 4 (`enterprise_sigma`)", "when")."""
    parts: list[str] = []
    keys: list[str] = []
    node = root
    for step in path:
        if isinstance(step, int) and isinstance(node, list):
            owner = keys[-1] if keys else None
            noun = _SINGULAR.get(owner or "")
            item = node[step] if step < len(node) else None
            name = _item_name(item)
            if noun is None:
                noun = f"`{'.'.join(keys)}` item" if keys else "item"
            elif len(keys) > 1:
                parts.append("`" + ".".join(keys[:-1]) + "`")
            parts.append(f"{noun} {step + 1}" + (f" (`{name}`)" if name else ""))
            keys = []
            node = item
            continue
        keys.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    field = ".".join(keys) if keys else None
    return ", ".join(parts), field


def _prefix(item: str, text: str) -> str:
    return f"{item}: {text}" if item else text


def describe(error: jsonschema.ValidationError, root: Any) -> list[tuple[PathT, str, bool]]:
    """Problems (path, message, at_key) for one JSON Schema error."""
    path: PathT = tuple(error.absolute_path)
    item, field = where(root, path)
    subject = f"`{field}`" if field else (item or "the file")
    validator = error.validator
    value = error.validator_value
    instance = error.instance
    schema_path = list(error.absolute_schema_path)

    if "propertyNames" in schema_path:
        name = str(instance)
        rule = _PATTERNS.get(str(value), "is not a valid name") if validator == "pattern" else ""
        what = f"the name '{name}' under {subject}"
        return [(path + (name,), f"{what} {rule or 'is not allowed'}", True)]
    if validator == "required":
        missing = [k for k in value if isinstance(instance, dict) and k not in instance]
        names = [f"`{k}`" for k in missing] or ["a key"]
        verb = "is" if len(names) == 1 else "are"
        owner = _prefix(item, f"`{field}`") if field else (item or "the file")
        hints = [_missing_hint(k, root) for k in missing]
        hint = "; ".join(h for h in hints if h)
        return [
            (path, f"{owner}: {_join(names, 'and')} {verb} missing" + (f": {hint}" if hint else ""), False)
        ]
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        out = []
        for key in instance:
            if key in allowed:
                continue
            close = close_match(key, allowed)
            hint = f" (did you mean `{close}`?)" if close else ""
            if not hint and allowed:
                hint = f" (the keys allowed here: {', '.join(allowed)})"
            inside = f"{item}, `{field}`" if item and field else item or subject
            out.append((path + (key,), _prefix(inside, f"unknown key `{key}`{hint}"), True))
        return out
    if validator in ("anyOf", "oneOf"):
        options = value if isinstance(value, list) else []
        if options and all(set(o) == {"required"} for o in options):
            keys = [f"`{k}`" for o in options for k in o["required"]]
            return [(path, _prefix(item, f"needs at least one of {_join(keys)}"), False)]
        sub = jsonschema.exceptions.best_match(error.context or [])
        if sub is not None and sub is not error:
            return describe(sub, root)
    if validator == "pattern" and isinstance(instance, str):
        catalogue = _catalogue_id(instance, field, root, str(value))
        if catalogue is not None:
            return [(path, _prefix(item, catalogue), False)]
    if field is None and item:
        subject = "this item" if path and isinstance(path[-1], int) else "the value"
    text = _message(validator, value, instance, subject, field)
    return [(path, _prefix(item, text), False)]


# Fields that hold the id of a catalogue entry: (the section it is declared in, the key of its
# display name there).
_CATALOGUE_FIELDS = {"product": ("products", "name"), "risk": ("risks", "title")}


def _catalogue(root: Any, section: str, label: str) -> dict[str, str]:
    """Id -> display name of the entries of `section` in the file."""
    entries = root.get(section) if isinstance(root, dict) else None
    out: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            out[entry["id"]] = str(entry.get(label) or "")
    return out


def _catalogue_id(instance: str, field: str | None, root: Any, pattern: str) -> str | None:
    """For a product or risk written as something that cannot be an id (`Stripe Sigma`):
    the id to write instead (the one whose name matches), with an example id of that kind
    from the file; None for other fields."""
    noun = (field or "").rsplit(".", 1)[-1]
    if noun not in _CATALOGUE_FIELDS:
        return None
    section, label = _CATALOGUE_FIELDS[noun]
    known = _catalogue(root, section, label)
    close = close_match(instance, known, cutoff=0.75, names=known)
    if close is not None:
        shown = f" ({known[close]})" if known[close] else ""
        return f"{noun} '{instance}' is not a {noun} id: write `{close}`{shown}"
    rule = _PATTERNS.get(pattern, "is not in the expected form")
    if known:
        rule = re.sub(r"\(like [^)]*\)", f"(like {next(iter(known))})", rule)
    return (
        f"{noun} '{instance}' {rule}; write the id of an entry under `{section}:`"
        if known
        else f"{noun} '{instance}' {rule}"
    )


_WHEN_EXAMPLE = "annual_volume_usd >= $enterprise_volume"


def _missing_hint(key: str, root: Any) -> str:
    """What to write for a missing key an author may not know the form of ("" for the
    others): `when` with an example condition from the file (another rule's, if short)."""
    if key != "when":
        return ""
    example = _WHEN_EXAMPLE
    rules = root.get("rules") if isinstance(root, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        when = rule.get("when") if isinstance(rule, dict) else None
        if isinstance(when, str) and 0 < len(when) <= 50 and "\n" not in when:
            example = when
            break
    return f"add a line `when: <condition>` (for example `when: {example}`)"


def _message(validator: Any, value: Any, instance: Any, subject: str, field: str | None) -> str:
    if validator == "type":
        kinds = value if isinstance(value, list) else [value]
        words = [_TYPES.get(str(k), str(k)) for k in kinds]
        return f"{subject} must be {_join(words)}, got {_shown(instance)}"
    if validator == "pattern":
        rule = _PATTERNS.get(str(value), "is not in the expected form")
        noun = (field or "value").rsplit(".", 1)[-1]
        hint = ""
        upper = instance.upper() if isinstance(instance, str) else None
        if upper is not None and upper != instance and re.search(str(value), upper):
            hint = f" (did you mean '{upper}'?)"
        return f"{noun} {_shown(instance)}{hint} {rule}"
    if validator == "enum":
        choices = [v if isinstance(v, str) else _shown(v) for v in value]
        hint = did_you_mean(instance, choices) if isinstance(instance, str) else ""
        return f"{subject} must be one of {', '.join(choices)}; got {_shown(instance)}{hint}"
    if validator == "const":
        return f"{subject} must be {_shown(value)}, got {_shown(instance)}"
    if validator == "minItems":
        need = "at least one item" if value == 1 else f"at least {value} items"
        return f"{subject} needs {need}"
    if validator == "maxItems":
        return f"{subject} may list at most {value} item{'s' if value != 1 else ''}"
    if validator == "minLength":
        if value == 1:
            return f"{subject} must not be empty"
        return f"{subject} must be at least {value} characters long"
    if validator == "maxLength":
        return f"{subject} is {len(str(instance))} characters long; at most {value} are allowed"
    if validator == "minimum":
        return f"{subject} must be {value} or more, got {_shown(instance)}"
    if validator == "maximum":
        return f"{subject} must be {value} or less, got {_shown(instance)}"
    if validator == "exclusiveMinimum":
        return f"{subject} must be more than {value}, got {_shown(instance)}"
    if validator == "exclusiveMaximum":
        return f"{subject} must be less than {value}, got {_shown(instance)}"
    if validator == "uniqueItems" and isinstance(instance, list):
        seen: list[Any] = []
        for v in instance:
            if v in seen:
                return f"{subject} lists {_shown(v)} more than once"
            seen.append(v)
        return f"{subject} lists an item more than once"
    if validator == "minProperties":
        return f"{subject} needs at least {value} entr{'y' if value == 1 else 'ies'}"
    return f"{subject} has a value that is not allowed here ({_shown(instance)})"


def described(
    errors: Iterable[jsonschema.ValidationError], root: Any
) -> list[tuple[PathT, str, bool]]:
    """Every error as (path, message, at_key), in words. A misspelt key is reported once: as
    an unknown key with its did-you-mean, not also as the required key it was meant to be."""
    errors = list(errors)
    meant: set[tuple[PathT, str]] = set()
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for key in error.instance:
                close = close_match(key, allowed) if key not in allowed else None
                if close is not None:
                    meant.add((tuple(error.absolute_path), close))
    out: list[tuple[PathT, str, bool]] = []
    for error in errors:
        if error.validator == "required" and isinstance(error.instance, dict):
            path = tuple(error.absolute_path)
            missing = [k for k in error.validator_value if k not in error.instance]
            if missing and all((path, k) in meant for k in missing):
                continue
        for found in describe(error, root):
            if found not in out:
                out.append(found)
    return out


def schema_problems(
    located: Located, errors: Iterable[jsonschema.ValidationError]
) -> list[Problem]:
    """Every error as a located Problem, in words (one per unknown key), without repeats."""
    found = {
        located.problem(path, message, at_key=at_key)
        for path, message, at_key in described(errors, located.data)
    }
    return sorted(found)
