"""The output contract as data: one JSON Schema (draft 2020-12) per command's JSON output.

The schemas ship inside the package (``x12core/schemas/<name>.schema.json``);
``claimkit schema NAME`` prints one, ``docs/output.md`` explains them. Each carries
its major version three times, kept equal by a test: ``$id``
(``urn:claimkit:schema:<name>:<version>``), ``x-version``, and the ``const`` of the
``schema_version`` field that every JSON document carries. The version changes only
when a field is removed or renamed (or stops being required); adding a field does
not change it, and scripts must accept fields they do not know.

Documents are validated with ``jsonschema``, imported only when :func:`validate` or
:func:`errors` is called: every command stamps ``schema_version`` through this module,
and printing a schema needs nothing beyond the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from x12core.errors import ClaimkitError

SUFFIX = ".schema.json"


class SchemaError(ClaimkitError):
    """An unknown schema name, or a document that does not follow its schema."""


@cache
def names() -> tuple[str, ...]:
    """Every schema shipped, sorted: ``audit``, ``data-status``, ``explain``, ... ."""
    root = resources.files(__name__)
    return tuple(sorted(p.name[: -len(SUFFIX)] for p in root.iterdir()
                        if p.name.endswith(SUFFIX)))


def normalise(name: str) -> str:
    """``data status`` / ``data_status`` / ``split --report`` -> the schema's name."""
    words = name.strip().lower().replace("_", "-").replace("--", "").split()
    return "-".join(words)


@cache
def text(name: str) -> str:
    """The schema file as shipped (what ``claimkit schema NAME`` prints)."""
    key = normalise(name)
    if key not in names():
        raise SchemaError(f"{name}: no such schema (one of: {', '.join(names())})")
    return resources.files(__name__).joinpath(key + SUFFIX).read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    """The schema as a fresh dict (callers may change it)."""
    return json.loads(text(name))


@cache
def version(name: str) -> int:
    """The schema's major version (``x-version``)."""
    return int(load(name)["x-version"])


def stamp(name: str) -> dict[str, int]:
    """``{"schema_version": N}``: the first key of every JSON document of ``name``."""
    return {"schema_version": version(name)}


def row_schema(name: str) -> dict[str, Any]:
    """The schema of one JSONL/CSV row of ``name`` (``$defs.row``), or the document's.

    The row schema keeps the document's ``$defs`` so its references resolve.
    """
    schema = load(name)
    if "row" not in schema.get("$defs", {}):
        return schema
    key = normalise(name)
    return {"$schema": schema["$schema"],
            "$id": f"urn:claimkit:schema:{key}-row:{schema['x-version']}",
            "title": f"one JSONL/CSV row of {schema['title']}".replace(" --format json", ""),
            "x-version": schema["x-version"], "$defs": schema["$defs"], "$ref": "#/$defs/row"}


def errors(name: str, document: Any, *, row: bool = False, limit: int = 5) -> list[str]:
    """Where ``document`` breaks the schema (``path: message``), at most ``limit``."""
    validator = _validator(normalise(name), row)
    out = []
    for err in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(document)"
        out.append(f"{where}: {err.message}")
        if len(out) >= limit:
            break
    return out


@cache
def _validator(name: str, row: bool) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(row_schema(name) if row else load(name))


def validate(name: str, document: Any, *, row: bool = False) -> None:
    """Raise :class:`SchemaError` naming the first problems when ``document`` does not fit."""
    problems = errors(name, document, row=row)
    if problems:
        what = f"{name} row" if row else name
        raise SchemaError(f"not a valid {what} document (schema {name} v{version(name)}): "
                          + "; ".join(problems))


def fields(name: str) -> dict[str, str]:
    """Every declared field of the schema by path: ``required string``, ``optional integer|null``.

    Paths: ``summary.files``, ``claims[].findings[].rule``; the JSONL/CSV row
    (``$defs.row``) under ``#row`` (``#row.record``). ``$ref``, ``allOf``/``anyOf``/
    ``oneOf``, ``if``/``then`` and ``dependentRequired`` are followed: a field that is
    required in some case counts as required. The types are the JSON types the field may
    take (``const``/``enum`` values count by their type; ``any`` when unconstrained).
    """
    schema = load(name)
    defs = schema.get("$defs", {})
    found: dict[str, tuple[bool, set[str]]] = {}
    _walk(schema, "", defs, found, 0)
    if "row" in defs:
        _walk(defs["row"], "#row", defs, found, 0)
    return {path: f"{'required' if req else 'optional'} {'|'.join(sorted(types))}"
            for path, (req, types) in sorted(found.items())}


def parse_field(text: str) -> tuple[bool, frozenset[str]]:
    """``"required string|null"`` -> ``(True, {"string", "null"})`` (see :func:`fields`)."""
    how, _, types = text.partition(" ")
    return how == "required", frozenset(types.split("|")) if types else frozenset({"any"})


def _walk(node: Any, path: str, defs: dict[str, Any], out: dict[str, tuple[bool, set[str]]],
          depth: int) -> None:
    if depth > 40:
        return
    props: dict[str, list[Any]] = {}
    required: set[str] = set()
    items: list[Any] = []
    for part in _parts(node, defs, 0):
        for prop, sub in part.get("properties", {}).items():
            props.setdefault(prop, []).append(sub)
        required.update(part.get("required", ()))
        for names_ in part.get("dependentRequired", {}).values():
            required.update(names_)
        if isinstance(part.get("items"), dict):
            items.append(part["items"])
    for prop, subs in props.items():
        sub_path = f"{path}.{prop}" if path else prop
        was_required, types = out.get(sub_path, (False, set()))
        for sub in subs:
            types |= _types(sub, defs)
        out[sub_path] = (was_required or prop in required, types)
        for sub in subs:
            _walk(sub, sub_path, defs, out, depth + 1)
    for sub in items:
        _walk(sub, path + "[]", defs, out, depth + 1)


_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string",
               type(None): "null", list: "array", dict: "object"}


def _types(node: Any, defs: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for part in _parts(node, defs, 0):
        kind = part.get("type")
        if isinstance(kind, str):
            found.add(kind)
        elif isinstance(kind, list):
            found.update(kind)
        if "const" in part:
            found.add(_JSON_TYPES.get(type(part["const"]), "any"))
        for value in part.get("enum", ()):
            found.add(_JSON_TYPES.get(type(value), "any"))
    return found or {"any"}


def _parts(node: Any, defs: dict[str, Any], depth: int) -> Iterator[dict[str, Any]]:
    """``node`` and every subschema that applies at the same place."""
    if not isinstance(node, dict) or depth > 20:
        return
    yield node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        yield from _parts(defs.get(ref[len("#/$defs/"):]), defs, depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, ()):
            yield from _parts(sub, defs, depth + 1)
    for key in ("then", "else"):
        yield from _parts(node.get(key), defs, depth + 1)


def undeclared(name: str, document: Any, *, row: bool = False) -> list[str]:
    """Paths of fields in ``document`` that the schema does not declare (extras).

    Extras are allowed (scripts ignore what they do not know), but every field claimkit
    writes should be declared and documented; the tests use this to keep it so.
    """
    schema = row_schema(name) if row else load(name)
    out: list[str] = []
    _extras(document, schema, schema.get("$defs", {}), "", out)
    return sorted(set(out))


def _extras(value: Any, node: Any, defs: dict[str, Any], path: str, out: list[str]) -> None:
    parts = list(_parts(node, defs, 0))
    if isinstance(value, dict):
        props: dict[str, list[Any]] = {}
        maps: list[Any] = []
        patterns: list[tuple[str, Any]] = []
        for part in parts:
            for key, sub in part.get("properties", {}).items():
                props.setdefault(key, []).append(sub)
            extra = part.get("additionalProperties")
            if isinstance(extra, dict):
                maps.append(extra)
            patterns += list(part.get("patternProperties", {}).items())
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            subs = props.get(key) or [sub for pattern, sub in patterns
                                       if re.search(pattern, key)] or maps
            if not subs:
                out.append(where)
            for sub in subs:
                _extras(item, sub, defs, where, out)
    elif isinstance(value, list):
        items = [part["items"] for part in parts if isinstance(part.get("items"), dict)]
        for item in value:
            for sub in items:
                _extras(item, sub, defs, path + "[]", out)
