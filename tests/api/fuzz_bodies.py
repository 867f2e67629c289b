"""Bodies for the API fuzzer, made from the OpenAPI description: a plausible body for a schema
(the first choice of each `oneOf`/`anyOf`, every property filled), and the places in it where a
hostile value can go, each with the JSON type the description gives it there.

A plausible body is not always a valid one (a credit code's check character, a rule between two
fields), and need not be: each hostile value goes into one place, the rest as plausible as the
description allows, so the refusal (or the acceptance) is about that place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Path = tuple[str | int, ...]

PLAUSIBLE_DATE = "2026-05-01"  # before the demo's today (facts may not be in the future)


class Bodies:
    """Plausible bodies for the schemas of one OpenAPI document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.components = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def branches(self, schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The alternatives of a `oneOf` at the top (one body each), else the schema."""
        schema = self.resolve(schema)
        return [self.resolve(s) for s in schema.get("oneOf", [])] or [schema]

    def example(self, schema: Mapping[str, Any], kinds: dict[Path, str], at: Path = ()) -> Any:
        """A plausible value for `schema`; `kinds` gets the JSON type of each place in it."""
        schema = self.resolve(schema)
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                choices = [self.resolve(s) for s in schema[key]]
                schema = next((s for s in choices if s.get("type") != "null"), choices[0])
        kind = _kind(schema)
        kinds[at] = kind
        if "enum" in schema:
            return next((v for v in schema["enum"] if v is not None), None)
        if "const" in schema:
            return schema["const"]
        if kind == "object":
            props = schema.get("properties", {})
            return {k: self.example(s, kinds, (*at, k)) for k, s in props.items()}
        if kind == "array":
            return [self.example(schema.get("items", {}), kinds, (*at, 0))]
        if kind in ("integer", "number"):
            low = schema.get("minimum", 1)
            return max(1, int(low)) if kind == "integer" else float(max(1, low))
        if kind == "boolean":
            return True
        if kind == "date":
            return PLAUSIBLE_DATE
        if kind == "date-time":
            return f"{PLAUSIBLE_DATE}T02:00:00+00:00"
        if kind == "null":
            return None
        length = max(schema.get("minLength", 1), min(schema.get("maxLength", 4), 4))
        return ("测试" * length)[:length]


def _kind(schema: Mapping[str, Any]) -> str:
    t = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "null")
    if t == "string" and schema.get("format") in ("date", "date-time"):
        return str(schema["format"])
    return str(t)


def places(value: Any, at: Path = ()) -> Iterator[Path]:
    """Every place in a JSON value below its top: object members and array items."""
    if isinstance(value, Mapping):
        for k, v in value.items():
            yield (*at, k)
            yield from places(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*at, i)
            yield from places(v, (*at, i))


def put(value: Any, at: Path, new: Any) -> Any:
    """A copy of `value` with `new` at place `at`."""
    if not at:
        return new
    head, rest = at[0], at[1:]
    if isinstance(value, Mapping):
        return {**value, head: put(value[head], rest, new)}
    copy = list(value)
    copy[head] = put(copy[head], rest, new)  # type: ignore[index]
    return copy


def multipart(parts: Sequence[tuple[str | bytes, str | bytes | None, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body from (part name, file name or None for text, bytes), built
    by hand so that names and values may be bytes no client library would send."""
    boundary = b"fuzz-8f3a2c6e0b"
    out = b""
    for name, filename, content in parts:
        raw_name = name if isinstance(name, bytes) else name.encode()
        head = b'Content-Disposition: form-data; name="' + raw_name + b'"'
        if filename is not None:
            raw_file = filename if isinstance(filename, bytes) else filename.encode()
            head += b'; filename="' + raw_file + b'"\r\nContent-Type: application/pdf'
        out += b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + content + b"\r\n"
    out += b"--" + boundary + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary.decode()
