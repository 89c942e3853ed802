"""A draft's scenarios feature by feature (the Scenarios tab).

The stored scenario text (`RulesetVersion.scenarios`) holds several `Feature:` documents, one
per area as in `features/ruleset/`. Authors see the list of features, edit one at a time and
run one or all of them: saving a feature replaces only its block of the stored text (the
other features stay byte for byte), and each feature runs on its own with its lines counted
from its own first line, so a failure links to its line in that feature's editor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from recommender.errors import Conflict, InvalidInput, NotFound, Problem
from recommender.extensions import db
from recommender.models import RulesetVersion, User
from recommender.services import scenarios as scenario_runner
from recommender.services.authoring.drafts import get_or_create_draft
from recommender.services.authoring.scenario_runs import SCENARIOS_PATH, run_texts
from recommender.services.authoring.sources import checksum

FeatureBlock = scenario_runner.FeatureBlock

# What "Add a feature" starts with.
NEW_FEATURE = """Feature: New area
  What this area covers, in a sentence or two.

  Scenario: A short discovery and what it should get
    Given the answers:
      | answer   | value |
      | channels | web   |
    When the recommendation is evaluated
    Then the products include checkout
"""


class FeatureRefused(InvalidInput):
    """Text for one feature that is not exactly one feature; nothing was saved."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message, {"text": message})
        self.line = line


@dataclass
class Feature:
    """One feature of a draft with its scenario count and the problems of its text (lines
    counted within the feature)."""

    block: FeatureBlock
    scenarios: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.block.slug


def features_of(text: str) -> list[Feature]:
    out = []
    for block in scenario_runner.split_features(text):
        parsed, problems = scenario_runner.parse_scenarios(block.body, SCENARIOS_PATH)
        out.append(Feature(block, len(parsed), problems))
    return out


def find(text: str, key: str) -> FeatureBlock:
    """A feature of the stored text by slug (or 1-based position); NotFound names them."""
    blocks = scenario_runner.split_features(text)
    block = scenario_runner.find_feature(blocks, key)
    if block is None:
        names = ", ".join(b.slug for b in blocks) or "none yet"
        raise NotFound(f"Your draft's scenarios have no feature '{key[:60]}'. Its features: {names}.")
    return block


def text_checksum(draft: RulesetVersion) -> str:
    """What the feature editor sends back to detect a change made meanwhile."""
    return checksum(draft.scenarios or "")


def _expect(draft: RulesetVersion, expected: str | None) -> None:
    if expected is not None and checksum(draft.scenarios or "") != expected:
        raise Conflict(
            "The scenarios of your draft changed since you opened this feature (saved from "
            "another window or by a command); nothing was saved."
        )


def save_feature(
    name: str, user: User | None, key: str, text: str, expected_checksum: str | None
) -> tuple[RulesetVersion, FeatureBlock]:
    """Replace one feature of the user's draft with `text` (only its block changes).
    Conflict when the scenarios changed since `expected_checksum`; FeatureRefused when
    `text` is not exactly one feature; NotFound for an unknown feature."""
    draft = get_or_create_draft(name, user)
    with db.transaction() as session:
        session.refresh(draft)
        _expect(draft, expected_checksum)
        block = find(draft.scenarios or "", key)
        try:
            new = scenario_runner.replace_feature(draft.scenarios or "", block.index, text)
        except scenario_runner.FeatureTextError as exc:
            raise FeatureRefused(exc.message, exc.line) from None
        draft.scenarios = new
    return draft, scenario_runner.split_features(new)[block.index - 1]


def add_feature(
    name: str, user: User | None, text: str, expected_checksum: str | None
) -> tuple[RulesetVersion, FeatureBlock]:
    """Add a feature at the end of the user's draft's scenarios."""
    draft = get_or_create_draft(name, user)
    with db.transaction() as session:
        session.refresh(draft)
        _expect(draft, expected_checksum)
        try:
            new, index = scenario_runner.append_feature(draft.scenarios or "", text)
        except scenario_runner.FeatureTextError as exc:
            raise FeatureRefused(exc.message, exc.line) from None
        draft.scenarios = new
    return draft, scenario_runner.split_features(new)[index - 1]


@dataclass
class FeatureRun:
    """One feature's run: its report has lines within the feature."""

    block: FeatureBlock
    report: scenario_runner.RunReport
    key: str  # run_key of the feature when it ran

    @property
    def failing(self) -> list[scenario_runner.ScenarioResult]:
        return [r for r in self.report.results if not r.passed]


def run_key(draft: RulesetVersion, block: FeatureBlock) -> str:
    """Identifies what a run result is about: this feature's text with this draft's rules
    and data files. A remembered result with another key is out of date."""
    return checksum(f"{draft.checksum}\n{block.body}")[:16]


def run_features(
    name: str, draft: RulesetVersion, blocks: list[FeatureBlock]
) -> list[FeatureRun]:
    """Run each feature on its own against the draft (DefinitionError when the rules or a
    data file of the draft are broken)."""
    reports = run_texts(name, draft.source, [b.body for b in blocks], draft.data_files or {})
    return [FeatureRun(b, r, run_key(draft, b)) for b, r in zip(blocks, reports, strict=True)]


def locator(text: str) -> Callable[[int], tuple[str, int]]:
    """For a line of the stored text, the slug of its feature and the line within it (the
    refused-publish page links each failure to its feature's editor)."""
    blocks = scenario_runner.split_features(text)

    def locate(line: int) -> tuple[str, int]:
        found = scenario_runner.locate_line(blocks, line)
        if found is None:  # not in any feature: the whole-text editor
            return "all", line
        return found[0].slug, found[1]

    return locate
