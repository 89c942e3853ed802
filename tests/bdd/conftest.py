"""Makes the ruleset step vocabulary (ruleset_steps.py) importable by the step modules here.

tests/ is not a package and pytest runs with --import-mode=importlib, so the helper module
is loaded once by path and registered as `recommender_tests_ruleset_steps`; step modules
then `import recommender_tests_ruleset_steps as steps`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

NAME = "recommender_tests_ruleset_steps"

if NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(NAME, Path(__file__).with_name("ruleset_steps.py"))
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[NAME] = _module
    _spec.loader.exec_module(_module)
