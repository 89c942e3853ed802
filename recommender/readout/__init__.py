"""The readout: turns answers, the engine result and the solution design data
(rules/solution_design.yaml) into one JSON-serialisable dict that the renderers
(recommender.readout.render) print as HTML, Markdown and PDF. No Flask imports.

docs/readout.md describes the sections and where each comes from.
"""

from __future__ import annotations

from recommender.readout.build import build_readout
from recommender.readout.checks import DesignProblem, check_design, design_problems
from recommender.readout.data import DESIGN_PATH, SCHEMA_PATH, load_design

__all__ = [
    "DESIGN_PATH",
    "SCHEMA_PATH",
    "DesignProblem",
    "build_readout",
    "check_design",
    "design_problems",
    "load_design",
]
