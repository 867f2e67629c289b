"""Every shipped definition draws as well-formed SVG naming each state and each step."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from engine.definitions import load_definitions
from engine.registry import load_registry
from web.api.diagram import render_svg

SVG = "{http://www.w3.org/2000/svg}"
DEFINITIONS = list(load_definitions(None, load_registry()))


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d.procedure}.v{d.version}")
def test_diagram_names_every_state_and_step(definition):
    root = ET.fromstring(render_svg(definition))
    states = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("class") == "state"}
    assert states == {f"state-{s}" for s in definition.states}
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {t.trigger for t in definition.transitions} <= texts
    assert {s.label.zh for s in definition.states.values()} <= texts
    arrows = [p for p in root.iter(f"{SVG}path") if p.get("marker-end")]
    assert len(arrows) == len({(s, t.dest) for t in definition.transitions for s in t.sources})
    width, height = float(root.get("width")), float(root.get("height"))
    for rect in root.iter(f"{SVG}rect"):
        assert (
            float(rect.get("x", 0)) >= 0
            and float(rect.get("x", 0)) + float(rect.get("width")) <= width
        )
        assert (
            float(rect.get("y", 0)) >= 0
            and float(rect.get("y", 0)) + float(rect.get("height")) <= height
        )
