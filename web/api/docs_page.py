"""A readable page for the OpenAPI description, rendered on the server from the same spec.

Self-contained: the styles are inline and there is no script, so nothing is fetched from a
CDN and the page works offline and behind strict proxies. It lists every operation (with
parameters, body and answers), every schema with its fields and constraints, and every
problem type, each with an anchor the problem `type` URIs point at.
"""

from __future__ import annotations

from typing import Any

from flask import render_template_string

from web.api.problems import PROBLEM_TYPES

_TEMPLATE = r"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ spec.info.title }} {{ spec.info.version }}</title>
<style>
body{font:15px/1.5 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2330}
header{background:#8b1a1a;color:#fff;padding:14px 28px}
header a{color:#ffd}
main{display:grid;grid-template-columns:260px 1fr;gap:0}
nav{border-right:1px solid #ddd;padding:12px 16px;position:sticky;top:0;height:100vh;overflow:auto;
font-size:13px}
nav a{display:block;color:#234;text-decoration:none;padding:1px 0}
section{padding:8px 28px;max-width:1100px}
.op{border:1px solid #ccd;border-radius:6px;margin:14px 0;padding:8px 14px}
.m{display:inline-block;min-width:52px;text-align:center;font-weight:bold;border-radius:4px;
color:#fff;padding:0 6px;margin-right:8px}
.get{background:#2f6db5}.post{background:#2d8a4e}.put,.patch{background:#b5802f}
.delete{background:#b53a2f}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px}
pre{background:#f6f7f9;padding:8px;overflow:auto}
table{border-collapse:collapse;margin:6px 0;width:100%}
td,th{border-bottom:1px solid #e3e5ea;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
.req{color:#b53a2f;font-weight:bold}
.muted{color:#667}
h2{border-bottom:2px solid #8b1a1a;padding-bottom:2px;margin-top:28px}
</style></head><body>
<header><strong>{{ spec.info.title }}</strong> {{ spec.info.version }} · OpenAPI
{{ spec.openapi }} · <a href="openapi.json">openapi.json</a></header>
<main><nav>
<b>Operations</b>
{% for tag, ops in by_tag %}<div class="muted" style="margin-top:6px">{{ tag }}</div>
{% for op in ops %}<a href="#op-{{ op.id }}"><span class="muted">{{ op.method|upper }}</span>
{{ op.path|replace('/api/v1', '')|replace('/cases/{case_id}/fire/', '…/fire/') }}</a>{% endfor %}{% endfor %}
<b style="display:block;margin-top:10px">Problems</b>
{% for slug, p in problems %}<a href="#problem-{{ slug }}">{{ p[0] }} {{ slug }}</a>{% endfor %}
<b style="display:block;margin-top:10px">Schemas</b>
{% for name in schemas %}<a href="#schema-{{ name }}">{{ name }}</a>{% endfor %}
</nav><section>
<h2>About</h2>
<div style="white-space:pre-wrap">{{ description }}</div>
{% for tag, ops in by_tag %}<h2>{{ tag }}</h2>
{% for op in ops %}<div class="op" id="op-{{ op.id }}">
<div><span class="m {{ op.method }}">{{ op.method|upper }}</span><code>{{ op.path }}</code>
— {{ op.summary }}{% if op.public %} <span class="muted">(no token needed)</span>{% endif %}</div>
{% if op.description %}<p>{{ op.description }}</p>{% endif %}
{% if op.parameters %}<table><tr><th>parameter</th><th>in</th><th>type</th><th>about</th></tr>
{% for p in op.parameters %}<tr><td><code>{{ p.name }}</code>{% if p.required %}
<span class="req">*</span>{% endif %}</td><td>{{ p['in'] }}</td><td>{{ type_of(p.schema) }}</td>
<td>{{ p.description or p.schema.description or '' }}{{ constraints(p.schema) }}</td></tr>{% endfor %}
</table>{% endif %}
{% if op.body %}<div>body (application/json){% if op.body_required %}
<span class="req">*</span>{% endif %}: {{ type_of(op.body)|safe }}</div>{% endif %}
<table><tr><th>status</th><th>answer</th></tr>
{% for code, r in op.responses %}<tr><td>{{ code }}</td><td>{{ r.description }}
{% for media, c in (r.content or {}).items() %}<div class="muted">{{ media }}:
{{ type_of(c.schema)|safe }}</div>{% endfor %}</td></tr>{% endfor %}</table>
</div>{% endfor %}{% endfor %}
<h2>Problems (application/problem+json, RFC 9457)</h2>
<table><tr><th>status</th><th>type</th><th>title</th><th>meaning</th></tr>
{% for slug, p in problems %}<tr id="problem-{{ slug }}"><td>{{ p[0] }}</td>
<td><code>#problem-{{ slug }}</code></td><td>{{ p[1] }}</td><td>{{ p[2] }}</td></tr>{% endfor %}
</table>
<h2>Schemas</h2>
{% for name, s in schemas.items() %}<div class="op" id="schema-{{ name }}"><b>{{ name }}</b>
{% if s.description %}<p>{{ s.description }}</p>{% endif %}
{% if s.properties %}<table><tr><th>field</th><th>type</th><th>about</th></tr>
{% for f, fs in s.properties.items() %}<tr><td><code>{{ f }}</code>{% if f in (s.required or []) %}
<span class="req">*</span>{% endif %}</td><td>{{ type_of(fs)|safe }}</td>
<td>{{ fs.description or '' }}{{ constraints(fs) }}</td></tr>{% endfor %}</table>
{% else %}<div>{{ type_of(s)|safe }}</div>{% endif %}</div>{% endfor %}
<p class="muted">Generated from the code on each start; the page and openapi.json are the
same description.</p>
</section></main></body></html>"""


def _ref_link(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return f'<a href="#schema-{name}">{name}</a>'


def type_of(schema: dict[str, Any] | None) -> str:
    """A short, linked type expression (HTML) for a JSON Schema."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_link(schema["$ref"])
    for key, joiner in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
        if key in schema:
            return joiner.join(type_of(s) for s in schema[key])
    t = schema.get("type", "any")
    if isinstance(t, list):
        t = " | ".join(t)
    if t == "array":
        return f"array of {type_of(schema.get('items'))}"
    if schema.get("format"):
        t = f"{t} ({schema['format']})"
    if schema.get("maxProperties") == 0:
        t = "empty object"
    return str(t)


def constraints(schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(str(v) for v in schema["enum"]))
    for key, label in (
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "length ≥"),
        ("maxLength", "length ≤"),
        ("minItems", "items ≥"),
        ("pattern", "pattern"),
    ):
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {schema['default']}")
    return (" [" + "; ".join(parts) + "]") if parts else ""


def render_docs(spec: dict[str, Any]) -> str:
    by_tag: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
            by_tag.setdefault((op.get("tags") or ["other"])[0], []).append(
                {
                    "id": op["operationId"],
                    "method": method,
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "body": body.get("schema"),
                    "body_required": (op.get("requestBody") or {}).get("required", False),
                    "responses": sorted(op["responses"].items()),
                    "public": op.get("security") == [],
                }
            )
    return render_template_string(
        _TEMPLATE,
        spec=spec,
        description=spec["info"].get("description", ""),
        by_tag=list(by_tag.items()),
        schemas=spec.get("components", {}).get("schemas", {}),
        problems=[(slug, p) for slug, p in PROBLEM_TYPES.items()],
        type_of=type_of,
        constraints=constraints,
    )
