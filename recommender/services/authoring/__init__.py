"""Rule authoring: drafts, checks, scenario tests, sandbox, impact preview, lint, publish.

Ruleset versions live in the database (`RulesetVersion`): each author has at most one draft
per ruleset (version NULL), published versions are immutable and numbered 1, 2, 3 ...; the
ruleset's `active_version_id` names the one in force. YAML files are the import/export format.

Publishing (and rollback, which publishes a copy of an old version as the newest) happens in
one transaction that first locks the ruleset row, so two authors publishing at the same moment
get two whole versions N and N+1, never a half-written one. A draft with check errors or
failing scenarios is refused: a broken ruleset never becomes active.

A version's data files (`data_files`: the tables its `data:` names, file name -> YAML text)
travel with it: drafts start with the active version's, every check, scenario run, sandbox,
impact preview and lint uses the version's own, and publish and rollback store them with the
new version (`data_files` in this package has the per-file helpers). Functions that take a
`data_files` argument read None as "the active version's data files".

One module per concern; callers import the names below from `recommender.services.authoring`:

- `sources`: parse, check and compile a source with its data files (cached per process);
- `versions`: rulesets and published versions, history, audit log, export;
- `drafts`: each author's draft (create, save, check, diff, discard);
- `scenario_runs`: the scenarios stored with a version, run against a source; coverage;
- `publishing`: publish, rollback and import (locked, audited transactions);
- `subjects`: saved discoveries and leads with their visible answers;
- `sandbox_eval`, `impact_preview` (with `impact_details`: derived facts, severities and
  the ask-next list), `linting`, `catalogue_panel`: the workbench's tools;
- `data_files`: plain helpers about a version's data files.

The package depends on `recommender.services.rulesets` (seed scenarios, cache invalidation),
never the other way round.
"""

from __future__ import annotations

from recommender.services import scenarios as scenario_runner
from recommender.services.authoring import data_files
from recommender.services.authoring.catalogue_panel import catalogue
from recommender.services.authoring.drafts import (
    SaveResult,
    check_file,
    discard_draft,
    draft_diff,
    draft_for,
    draft_is_stale,
    get_or_create_draft,
    save_draft,
    save_draft_file,
    save_file,
    version_files,
)
from recommender.services.authoring.impact_preview import (
    ACTIVE_OUTCOMES_SIZE,
    Impact,
    ImpactItem,
    RuleEdits,
    Summary,
    _summary,
    impact,
    impact_processes,
    rule_edits,
)
from recommender.services.authoring.linting import LintFinding, lint
from recommender.services.authoring.publishing import (
    NOTE_MAX,
    AlreadyActive,
    RollbackPlan,
    _publish_source,
    check_note,
    import_file,
    publish,
    rollback,
    rollback_plan,
)
from recommender.services.authoring.sandbox_eval import (
    FormSection,
    SandboxRun,
    form_answers,
    form_sections,
    parse_sandbox_answers,
    products_of,
    run_sandbox,
    sandbox,
)
from recommender.services.authoring.scenario_runs import (
    SCENARIOS_PATH,
    Coverage,
    ScenariosFailed,
    coverage,
    run_scenarios,
)
from recommender.services.authoring.sources import (
    check_source,
    checksum,
    compiled_source,
    load_checked,
    question_types,
    questionnaire_for_source,
    rules_of,
    source_path,
    with_version,
)
from recommender.services.authoring.subjects import (
    Subject,
    saved_subjects,
    subject,
    subject_choices,
)
from recommender.services.authoring.versions import (
    active_version,
    audit_log,
    data_changes,
    export,
    export_file,
    export_files,
    get_ruleset,
    get_version,
    history,
    list_rulesets,
    user_name,
)
from recommender.services.rulesets import features_dir, seed_scenarios

__all__ = [
    "ACTIVE_OUTCOMES_SIZE",
    "FormSection",
    "SandboxRun",
    "form_answers",
    "form_sections",
    "products_of",
    "run_sandbox",
    "NOTE_MAX",
    "AlreadyActive",
    "RollbackPlan",
    "check_note",
    "rollback_plan",
    "SCENARIOS_PATH",
    "Coverage",
    "Impact",
    "ImpactItem",
    "LintFinding",
    "RuleEdits",
    "SaveResult",
    "ScenariosFailed",
    "Subject",
    "Summary",
    "_publish_source",
    "_summary",
    "active_version",
    "audit_log",
    "catalogue",
    "check_file",
    "check_source",
    "checksum",
    "compiled_source",
    "coverage",
    "data_changes",
    "data_files",
    "discard_draft",
    "draft_diff",
    "draft_for",
    "draft_is_stale",
    "export",
    "export_file",
    "export_files",
    "features_dir",
    "get_or_create_draft",
    "get_ruleset",
    "get_version",
    "history",
    "impact",
    "impact_processes",
    "import_file",
    "lint",
    "list_rulesets",
    "load_checked",
    "parse_sandbox_answers",
    "publish",
    "question_types",
    "questionnaire_for_source",
    "rollback",
    "rule_edits",
    "rules_of",
    "run_scenarios",
    "sandbox",
    "save_draft",
    "save_draft_file",
    "save_file",
    "saved_subjects",
    "scenario_runner",
    "seed_scenarios",
    "source_path",
    "subject",
    "subject_choices",
    "user_name",
    "version_files",
    "with_version",
]
