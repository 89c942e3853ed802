"""Rule authoring workbench: rulesets, versions and audit log (everyone), editor, sandbox,
scenarios, coverage, impact preview, lint, publish and rollback (authors and admins)."""

from __future__ import annotations

import os
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from recommender.errors import Conflict, DefinitionError, InvalidInput, NotFound, RecommenderError
from recommender.services import authoring
from recommender.services.authoring.scenario_ids import scenario_problems
from recommender.web import MAX_ID
from recommender.web.security import roles_required

bp = Blueprint("authoring", __name__, url_prefix="/rulesets")

READERS = ("sa", "author", "admin")
EDITORS = ("author", "admin")


def _version_param(raw: str | None, key: str) -> int | None:
    """A version number from the request: None when absent, 400 when not a whole number,
    404 when beyond any stored number (the INTEGER column's range)."""
    if raw is None or raw.strip() == "":
        return None
    try:
        number = int(raw.strip())
    except ValueError:
        raise InvalidInput(f"`{key}` must be a version number, like 3.", {key: raw[:50]}) from None
    if not 0 <= number <= MAX_ID:
        raise NotFound(f"There is no version {raw[:30]}.")
    return number


def _max_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)


@bp.context_processor
def _limits() -> dict[str, Any]:
    return {"authoring_max_bytes": _max_bytes()}


@bp.errorhandler(413)
def too_large(exc: Exception) -> Any:
    """Pasted text over the request limit: say what the limit is and that nothing was saved."""
    from recommender.web import wants_json

    limit = _max_bytes()
    message = (
        f"The text you sent is larger than the {limit // 1024} KB limit, so nothing was saved "
        "or checked. Go back (your browser keeps your text) and shorten it."
    )
    if wants_json():
        return jsonify({"error": message}), 413
    return render_template("error.html", status=413, message=message), 413


def _problem_dicts(
    problems: list[Any], name: str | None = None, current: str = ""
) -> list[dict[str, Any]]:
    """Problems for the templates and the editor script. With a ruleset `name` (the editor),
    each says its file; one in another file than `current` ("" = the ruleset YAML) links to
    that file's editor at its line (`here` False), the others jump within the page."""
    out = []
    for p in problems:
        entry: dict[str, Any] = {
            "line": p.line,
            "col": p.col,
            "message": p.message,
            "text": str(p),
            "here": True,
        }
        if name is not None:
            file = _file_key(name, p.path)
            entry["file"] = p.path
            entry["here"] = file == current
            if not entry["here"]:
                entry["href"] = (
                    url_for("authoring.edit", name=name, file=file or None) + f"#L{p.line}C{p.col}"
                )
        out.append(entry)
    return out


def _file_key(name: str, path: str) -> str:
    """The editor's `file` value for a problem path: "" for the ruleset YAML."""
    return "" if path == authoring.source_path(name) else path


@bp.route("/")
@roles_required(*READERS)
def index() -> Any:
    return render_template("authoring/index.html", rulesets=authoring.list_rulesets())


@bp.route("/<name>")
@roles_required(*READERS)
def ruleset(name: str) -> Any:
    rs = authoring.get_ruleset(name)
    draft = authoring.draft_for(name, current_user) if current_user.has_role(*EDITORS) else None
    versions = authoring.history(name)
    return render_template(
        "authoring/ruleset.html",
        ruleset=rs,
        versions=versions,
        data_changes=authoring.data_changes(versions),
        audit=authoring.audit_log(name),
        draft=draft,
        user_name=authoring.user_name,
    )


@bp.route("/<name>/versions/<int:version>")
@roles_required(*READERS)
def version(name: str, version: int) -> Any:
    rs = authoring.get_ruleset(name)
    row = authoring.get_version(name, version)
    return render_template(
        "authoring/version.html",
        ruleset=rs,
        row=row,
        files=authoring.version_files(row),
        user_name=authoring.user_name,
    )


@bp.route("/<name>/export")
@roles_required(*READERS)
def export(name: str) -> Any:
    """A version's ruleset YAML, or one of its data files (`file=payment_methods.yaml`)."""
    version = _version_param(request.args.get("version"), "version")
    file_name = request.args.get("file", "")
    suffix = f"-v{version}" if version else ""
    if file_name:
        text = authoring.export_file(name, file_name, version)
        stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        download = f"{name}{suffix}-{stem}.yaml"
    else:
        text = authoring.export(name, version)
        download = f"{name}{suffix}.yaml"
    return Response(
        text,
        mimetype="text/yaml",
        headers={"Content-Disposition": f'attachment; filename="{download}"'},
    )


@bp.route("/<name>/active.json")
@roles_required(*READERS)
def active_json(name: str) -> Any:
    """The version this worker process evaluates with right now (not just the database's)."""
    from recommender.services import rulesets

    row, compiled = rulesets.active_compiled(name)
    return jsonify(
        {"name": name, "version": compiled.version, "checksum": row.checksum, "worker": os.getpid()}
    )


# --------------------------------------------------------------------------- editor


@bp.route("/<name>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(name: str) -> Any:
    """The draft in the editor: the ruleset YAML, or one of its data files (`file=`)."""
    current = (request.values.get("file") or "").strip()
    text: str | None = None  # the author's text, kept when the save was refused
    if request.method == "POST":
        posted = request.form.get("source", "")
        try:
            result = authoring.save_file(
                name,
                current_user,
                current,
                posted,
                expected_checksum=request.form.get("checksum") or None,
            )
        except Conflict as exc:
            flash(
                f"{exc.message} Your text is still in the editor: Save and check again to "
                "replace that change with it, or reload to see it.",
                "error",
            )
            draft, text = authoring.get_or_create_draft(name, current_user), posted
            problems = authoring.check_file(name, current_user, current, posted)
        else:
            draft, problems = result.draft, result.problems
            if problems:
                flash(
                    f"Draft saved with {len(problems)} problem(s); it cannot be published until they are fixed.",
                    "error",
                )
            else:
                flash("Draft saved; the check found no problems.", "success")
    else:
        draft = authoring.get_or_create_draft(name, current_user)
        problems = authoring.check_source(draft.source, name, data_files=draft.data_files or {})
    files = authoring.version_files(draft)
    if current and current not in {f.name for f in files}:
        raise NotFound(f"The draft of '{name}' has no data file '{current}'.")
    stored = draft.source if not current else next(f.text for f in files if f.name == current)
    counts: dict[str, int] = {}
    for p in problems:
        key = _file_key(name, p.path)
        counts[key] = counts.get(key, 0) + 1
    return render_template(
        "authoring/editor.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        files=files,
        current=current,
        current_label=current or authoring.source_path(name),
        text=stored if text is None else text,
        text_checksum=authoring.checksum(stored),
        problem_counts=counts,
        problems=_problem_dicts(problems, name, current),
        catalogue=authoring.catalogue(draft.source),
        stale=authoring.draft_is_stale(name, draft),
        tab="edit",
    )


@bp.route("/<name>/check", methods=["POST"])
@roles_required(*EDITORS)
def check(name: str) -> Any:
    """Check the draft with one file's text replaced, without saving (the editor's Check
    button): `source` is the text, `file` the data file it is ("" or absent: the rules)."""
    source = request.form.get("source")
    file_name = request.form.get("file", "")
    if source is None and request.is_json:
        body = request.get_json(silent=True) or {}
        source, file_name = body.get("source"), body.get("file") or ""
    problems = authoring.check_file(name, current_user, file_name, source or "")
    return jsonify({"ok": not problems, "problems": _problem_dicts(problems, name, file_name)})


@bp.route("/<name>/draft/discard", methods=["POST"])
@roles_required(*EDITORS)
def discard(name: str) -> Any:
    if authoring.discard_draft(name, current_user):
        flash("Draft discarded.", "success")
    return redirect(url_for("authoring.ruleset", name=name))


# --------------------------------------------------------------------------- parameters


@bp.route("/<name>/params", methods=["GET", "POST"])
@roles_required(*EDITORS)
def params(name: str) -> Any:
    """The Parameters form: every tunable value of the draft with its description and
    validation; saving rewrites only the changed `value:` lines of the draft."""
    from recommender.services.authoring import params_form

    status = 200
    if request.method == "POST":
        posted = {
            key.removeprefix("param-"): value
            for key, value in request.form.items()
            if key.startswith("param-")
        }
        try:
            form = params_form.save_params(
                name, current_user, posted, request.form.get("checksum") or None
            )
        except params_form.ParamsRefused as exc:
            form, status = exc.form, 400
            flash(exc.message, "error")
        except Conflict as exc:
            form = params_form.with_posted(params_form.param_form(name, current_user), posted)
            form.error, status = exc.message, 409
        else:
            changed = [f for f in form.fields if f.changed]
            if not changed:
                flash("Nothing changed: every value is as it was.", "success")
            else:
                labels = ", ".join(f.param.label for f in changed)
                problems = len(form.saved.problems) if form.saved else 0
                flash(
                    f"Draft saved with new values for {labels}."
                    + (
                        f" The check found {problems} problem(s) in the draft (listed below "
                        "and in Edit rules); it cannot be published until they are fixed."
                        if problems
                        else " The check found no problems."
                    ),
                    "error" if problems else "success",
                )
    else:
        form = params_form.param_form(name, current_user)
    return (
        render_template(
            "authoring/params.html",
            ruleset=authoring.get_ruleset(name),
            form=form,
            stale=authoring.draft_is_stale(name, form.draft),
            tab="params",
        ),
        status,
    )


# --------------------------------------------------------------------------- sandbox


@bp.route("/<name>/sandbox", methods=["GET", "POST"])
@roles_required(*EDITORS)
def sandbox(name: str) -> Any:
    """Try the draft (or the active version): the questionnaire as a form, prefilled from a
    saved discovery or lead on request, or typed answers (advanced); the full result, the
    trace and "why not X"."""
    draft = authoring.get_or_create_draft(name, current_user)
    form = request.form if request.method == "POST" else request.args
    which = form.get("which", "draft")
    answers_text = form.get("answers", "")
    pick = form.get("subject", "")
    why_not = form.get("why_not", "").strip()
    mode = form.get("mode") or ("load" if pick else "text" if "answers" in form else "")
    run = None
    errors: dict[str, str] = {}
    if mode and (request.method == "POST" or mode == "load"):
        version = draft if which == "draft" else authoring.active_version(name)
        kind, _, raw_id = pick.partition(":")
        try:
            run = authoring.run_sandbox(
                name,
                version.source,
                mode=mode,
                data_files=version.data_files or {},
                formdata=request.form,
                answers_text=answers_text,
                kind=kind or None,
                subject_id=int(raw_id) if raw_id.isdigit() else None,
                why_not=why_not or None,
            )
        except InvalidInput as exc:
            errors = exc.errors or {"": exc.message}
        except DefinitionError as exc:
            flash("The draft has check errors; fix them in the editor first.", "error")
            errors = {p.line and f"line {p.line}" or "": p.message for p in exc.problems}
    questionnaire = authoring.questionnaire_for_source(draft.source)
    entered = run.entered if run is not None else {}
    return render_template(
        "authoring/sandbox.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        which=which,
        mode=mode or "form",
        answers_text=answers_text,
        pick=pick,
        why_not=why_not,
        choices=authoring.subject_choices(),
        products=authoring.products_of(draft.source),
        sections=authoring.form_sections(questionnaire, entered, run.errors if run else None),
        run=run,
        result=run.result if run is not None else None,
        answers=run.answers if run is not None else None,
        label=run.label if run is not None else None,
        errors=errors,
        catalogue=authoring.catalogue(draft.source),
        tab="sandbox",
    )


# --------------------------------------------------------------------------- scenarios


@bp.route("/<name>/scenarios", methods=["GET", "POST"])
@roles_required(*EDITORS)
def scenarios(name: str) -> Any:
    """The draft's features (one per area) with their scenario counts and last run results;
    POST runs one (`feature=`) or all of them. A posted `scenarios` text comes from the
    whole-text editor (older pages and scripts post it here)."""
    from recommender.services.authoring import scenario_features as features

    if request.method == "POST" and "scenarios" in request.form:
        return scenarios_all(name)
    draft = authoring.get_or_create_draft(name, current_user)
    listed = features.features_of(draft.scenarios or "")
    runs: list[Any] = []
    if request.method == "POST":
        key = request.form.get("feature")
        blocks = [features.find(draft.scenarios or "", key)] if key else [f.block for f in listed]
        runs = _run_features(name, draft, blocks)
    last = _remembered_runs(draft)
    return render_template(
        "authoring/scenarios.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        features=listed,
        last={f.slug: last.get(features.run_key(draft, f.block)) for f in listed},
        runs=runs,
        tab="scenarios",
    )


_RUNS_KEY = "scenario_runs"


def _remembered_runs(draft: Any) -> dict[str, list[int]]:
    """The user's last run result per feature text (run_key -> passed, failed, problems),
    kept in the session for their current draft."""
    from flask import session

    stored = session.get(_RUNS_KEY) or {}
    if not isinstance(stored, dict) or stored.get("draft") != draft.id:
        return {}
    runs = stored.get("runs")
    return dict(runs) if isinstance(runs, dict) else {}


def _run_features(name: str, draft: Any, blocks: list[Any]) -> list[Any]:
    """Run features (each on its own), remember their counts and say how it went."""
    from flask import session

    from recommender.services.authoring import scenario_features as features

    try:
        runs = features.run_features(name, draft, blocks)
    except DefinitionError:
        flash(
            "The rules have check errors; fix them in the editor before running scenarios.", "error"
        )
        return []
    remembered = _remembered_runs(draft)
    # Only the blocks are needed for the keys; parsing their scenarios again is not.
    current = {
        features.run_key(draft, b)
        for b in authoring.scenario_runner.split_features(draft.scenarios or "")
    }
    remembered = {k: v for k, v in remembered.items() if k in current}
    for run in runs:
        remembered[run.key] = [run.report.passed, run.report.failed, len(run.report.problems)]
    session[_RUNS_KEY] = {"draft": draft.id, "runs": remembered}
    passed = sum(r.report.passed for r in runs)
    failed = sum(r.report.failed for r in runs)
    problems = sum(len(r.report.problems) for r in runs)
    what = f"the feature {runs[0].block.title!r}" if len(runs) == 1 else f"{len(runs)} features"
    if problems:
        flash(
            f"Ran {what}: {passed} passed, {failed} failed, and {problems} problem(s) in the "
            "text (a part that does not parse is not run).",
            "error",
        )
    elif failed:
        flash(f"Ran {what}: {failed} of {passed + failed} scenarios fail.", "error")
    else:
        flash(f"Ran {what}: all {passed} scenarios pass.", "success")
    return runs


@bp.route("/<name>/scenarios/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def scenario_new(name: str) -> Any:
    """Add a feature: its text in an editor; saving appends it to the draft's scenarios."""
    from recommender.services.authoring import scenario_features as features

    if request.method == "GET":
        draft = authoring.get_or_create_draft(name, current_user)
        return _feature_page(name, draft, None, features.NEW_FEATURE)
    posted = request.form.get("text", "")
    try:
        draft, block = features.add_feature(
            name, current_user, posted, request.form.get("checksum") or None
        )
    except (Conflict, features.FeatureRefused) as exc:
        return _feature_refused(name, None, posted, exc)
    flash(f"Feature {block.title!r} added to your draft's scenarios.", "success")
    return redirect(url_for("authoring.scenario_feature", name=name, key=block.slug), code=303)


@bp.route("/<name>/scenarios/all", methods=["GET", "POST"])
@roles_required(*EDITORS)
def scenarios_all(name: str) -> Any:
    """Every feature in one editor (for power users): save the whole text, run it all."""
    report = None
    if request.method == "POST":
        saved = authoring.save_draft(
            name, current_user, scenarios=request.form.get("scenarios", "")
        )
        draft, problems = saved.draft, saved.scenario_problems
        if request.form.get("action") == "run":
            report, problems = _run(name, draft)
        elif problems:
            flash(f"Scenarios saved with {len(problems)} problem(s).", "error")
        else:
            flash("Scenarios saved.", "success")
    else:
        draft = authoring.get_or_create_draft(name, current_user)
        problems = scenario_problems(name, draft)  # syntax and ids
    return render_template(
        "authoring/scenarios_all.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        report=report,
        problems=_problem_dicts(problems),
        tab="scenarios",
    )


@bp.route("/<name>/scenarios/<key>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def scenario_feature(name: str, key: str) -> Any:
    """One feature in its own editor: Save replaces only its block of the draft's scenarios;
    Save and run runs only this feature (lines counted within it)."""
    from recommender.services.authoring import scenario_features as features

    if request.method == "GET":
        draft = authoring.get_or_create_draft(name, current_user)
        block = features.find(draft.scenarios or "", key)
        return _feature_page(name, draft, block, block.body)
    posted = request.form.get("text", "")
    try:
        draft, block = features.save_feature(
            name, current_user, key, posted, request.form.get("checksum") or None
        )
    except (Conflict, features.FeatureRefused) as exc:
        return _feature_refused(name, key, posted, exc)
    if request.form.get("action") != "run":
        flash(f"Feature {block.title!r} saved.", "success")
        return redirect(url_for("authoring.scenario_feature", name=name, key=block.slug), code=303)
    runs = _run_features(name, draft, [block])
    return _feature_page(name, draft, block, block.body, run=runs[0] if runs else None)


def _feature_refused(name: str, key: str | None, posted: str, exc: Any) -> Any:
    """A feature save that saved nothing (changed meanwhile: 409; not one feature: 400):
    the page again with the author's text, against the draft as it is now."""
    from recommender.services.authoring import scenario_features as features

    draft = authoring.get_or_create_draft(name, current_user)
    block = None
    if key is not None:
        try:
            block = features.find(draft.scenarios or "", key)
        except NotFound:
            block = None  # gone meanwhile: saving adds the text as a new feature
    if isinstance(exc, Conflict):
        flash(
            f"{exc.message} Your text is still in the editor: Save again to replace this "
            "feature with it (the other features keep their changes), or reload to see the change.",
            "error",
        )
        return _feature_page(
            name, draft, block, posted, status=409, adding=key is None or block is None
        )
    from recommender.errors import Problem

    flash(f"Nothing was saved: {exc.message}", "error")
    extra = Problem(authoring.SCENARIOS_PATH, exc.line, 1, exc.message)
    return _feature_page(
        name, draft, block, posted, status=400, extra=[extra], adding=key is None or block is None
    )


def _feature_page(
    name: str,
    draft: Any,
    block: Any,
    text: str,
    *,
    run: Any = None,
    status: int = 200,
    extra: list[Any] | None = None,
    adding: bool | None = None,
) -> Any:
    from recommender.services.authoring import scenario_features as features

    if run is not None:
        problems = list(run.report.problems)
    else:
        problems = scenario_problems(name, draft, text)  # syntax and ids
    listed = features.features_of(draft.scenarios or "")
    return (
        render_template(
            "authoring/scenario_feature.html",
            ruleset=authoring.get_ruleset(name),
            draft=draft,
            block=block,
            adding=block is None if adding is None else adding,
            features=listed,
            text=text,
            text_checksum=features.text_checksum(draft),
            run=run,
            problems=_problem_dicts(sorted(set((extra or []) + problems))),
            tab="scenarios",
        ),
        status,
    )


@bp.app_template_global("scenario_locator")
def scenario_locator(name: str, text: str) -> Any:
    """For the refused-publish page: a line of the stored scenarios -> its feature's title,
    the line within that feature and the address of that line in the feature's editor."""
    from recommender.services.authoring import scenario_features as features

    locate = features.locator(text or "")
    titles = {b.slug: b.title for b in authoring.scenario_runner.split_features(text or "")}

    def at(line: int, col: int = 1) -> dict[str, Any]:
        slug, local = locate(line)
        if slug == "all":
            href = url_for("authoring.scenarios_all", name=name) + f"#L{line}C{col}"
            return {"href": href, "line": line, "feature": ""}
        href = url_for("authoring.scenario_feature", name=name, key=slug) + f"#L{local}C{col}"
        return {"href": href, "line": local, "feature": titles.get(slug) or slug}

    return at


def _run(name: str, draft: Any) -> tuple[Any, list[Any]]:
    try:
        report = authoring.run_scenarios(
            name, draft.source, draft.scenarios, draft.data_files or {}
        )
    except DefinitionError:
        flash(
            "The rules have check errors; fix them in the editor before running scenarios.", "error"
        )
        return None, []
    if report.ok:
        flash(f"All {report.passed} scenarios pass.", "success")
    elif report.problems:
        # Scenarios in a part that does not parse are not run: do not claim "0 fail".
        flash(
            f"The scenarios have {len(report.problems)} problem(s), listed below; fix them "
            f"before publishing (of the {len(report.results)} scenarios that ran, "
            f"{report.failed} failed).",
            "error",
        )
    else:
        flash(f"{report.failed} of {len(report.results)} scenarios fail.", "error")
    return report, list(report.problems)


@bp.route("/<name>/coverage")
@roles_required(*EDITORS)
def coverage(name: str) -> Any:
    draft = authoring.get_or_create_draft(name, current_user)
    cov = error = None
    try:
        cov = authoring.coverage(name, draft.source, draft.scenarios, draft.data_files or {})
    except DefinitionError as exc:
        error = exc.message
    return render_template(
        "authoring/coverage.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        cov=cov,
        error=error,
        tab="coverage",
    )


# --------------------------------------------------------------------------- decision tables


@bp.route("/<name>/tables")
@roles_required(*EDITORS)
def tables(name: str) -> Any:
    """The draft's decision tables, one of them (`table=`, else the first) as a grid with
    its problems at their cells; the grid script (tables.js) makes it editable."""
    from recommender.services.authoring import tables as grids

    draft = authoring.get_or_create_draft(name, current_user)
    listed = grids.table_list(draft.source)
    chosen = request.args.get("table") or (listed[0]["id"] if listed else None)
    grid = check = None
    error = grids.unreadable(draft.source)
    if chosen is not None and error is None:
        try:
            grid = grids.grid_of(draft, name, chosen)
            check = grids.check_rows(name, current_user, chosen, grid.rows)
        except InvalidInput as exc:  # a table the grid cannot show: the editor can
            grid, error = None, exc.message
    return render_template(
        "authoring/tables.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        listed=listed,
        grid=grid,
        check=check,
        error=error,
        stale=authoring.draft_is_stale(name, draft),
        tab="tables",
    )


def _grid_rows(name: str, table_id: str) -> list[Any]:
    from recommender.services.authoring import tables as grids

    body = request.get_json(silent=True)
    grid = grids.grid(name, current_user, table_id)
    return grids.parse_rows(body, [c.id for c in grid.inputs + grid.outputs])


@bp.route("/<name>/tables/<table_id>/check", methods=["POST"])
@roles_required(*EDITORS)
def table_check(name: str, table_id: str) -> Any:
    """Check the draft with the grid's rows (JSON `rows`) in place of the table's, nothing
    saved: problems by cell, the draft's other problems counted, overlaps and gaps."""
    from recommender.services.authoring import tables as grids

    rows = _grid_rows(name, table_id)
    return jsonify(grids.check_rows(name, current_user, table_id, rows).to_dict())


@bp.route("/<name>/tables/<table_id>", methods=["POST"])
@roles_required(*EDITORS)
def table_save(name: str, table_id: str) -> Any:
    """Save the grid's rows into the draft (only the table's YAML block changes); refused
    (400, problems by cell) while a cell of the table has a problem."""
    from recommender.services.authoring import tables as grids

    rows = _grid_rows(name, table_id)
    body = request.get_json(silent=True) or {}
    expected = body.get("checksum") if isinstance(body.get("checksum"), str) else None
    check, saved = grids.save_rows(name, current_user, table_id, rows, expected)
    payload = check.to_dict()
    if saved is None:
        payload["error"] = "Nothing was saved: fix the cells marked in the table first."
        return jsonify(payload), 400
    payload["checksum"] = authoring.checksum(saved.draft.source)
    payload["others"] = len(saved.problems)
    return jsonify(payload)


# --------------------------------------------------------------------------- impact, lint


@bp.route("/<name>/impact")
@roles_required(*EDITORS)
def impact(name: str) -> Any:
    draft = authoring.get_or_create_draft(name, current_user)
    report = error = None
    if _in_background():
        if request.args.get("format") == "json":
            return jsonify(
                {"error": _BACKGROUND_JSON.format(url=url_for("authoring.start_impact", name=name))}
            ), 409
        return _background_page(name, "impact", draft)
    try:
        report = authoring.impact(name, draft.source, data_files=draft.data_files or {})
    except DefinitionError as exc:
        error = exc.message
    if request.args.get("format") == "json" and report is not None:
        return jsonify(_impact_json(report))
    return render_template(
        "authoring/impact.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        report=report,
        error=error,
        stale=authoring.draft_is_stale(name, draft),
        tab="impact",
    )


def _impact_json(report: Any) -> dict[str, Any]:
    """The impact report as JSON, each row with the address of its discovery or lead."""
    out: dict[str, Any] = report.to_dict()
    for row in out["changed"]:
        row["url"] = subject_url(row["kind"], row["id"])
    return out


@bp.app_template_global("subject_url")
def subject_url(kind: str, subject_id: int) -> str:
    """The page of a saved discovery or lead (impact rows link to it)."""
    if kind == "lead":
        return url_for("leads.detail", lead_id=subject_id)
    return url_for("workspace.discovery", discovery_id=subject_id)


@bp.route("/<name>/lint")
@roles_required(*EDITORS)
def lint(name: str) -> Any:
    draft = authoring.get_or_create_draft(name, current_user)
    findings = error = None
    if _in_background():
        return _background_page(name, "lint", draft)
    try:
        findings = authoring.lint(name, draft.source, data_files=draft.data_files or {})
    except DefinitionError as exc:
        error = exc.message
    return render_template(
        "authoring/lint.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        findings=findings,
        error=error,
        tab="lint",
    )


# --------------------------------------------------------------------------- impact, lint jobs
# Beyond JOBS_INLINE_LIMIT saved discoveries and leads (and whenever the author asks), the
# impact preview and lint run as background jobs (services/jobs.py): the page shows their
# progress (static/js/jobs.js polls the status; without JavaScript the page refreshes
# itself) and then the stored result. No request waits for a job.

_BACKGROUND_JSON = (
    "There are too many saved discoveries and leads to compare within a request: start a "
    "background job with POST {url} and read its status."
)


def _in_background() -> bool:
    from recommender.services import jobs

    return jobs.saved_count() > int(current_app.config.get("JOBS_INLINE_LIMIT", 2000))


def _background_page(name: str, kind: str, draft: Any) -> Any:
    from recommender.services import jobs

    return render_template(
        "authoring/job_start.html",
        ruleset=authoring.get_ruleset(name),
        draft=draft,
        kind=kind,
        saved=jobs.saved_count(),
        recent=jobs.recent(name, kind),
        describe=jobs.describe,
        tab=kind,
    )


@bp.post("/<name>/impact")
@roles_required(*EDITORS)
def start_impact(name: str) -> Any:
    return _start_job(name, "impact")


@bp.post("/<name>/lint")
@roles_required(*EDITORS)
def start_lint(name: str) -> Any:
    return _start_job(name, "lint")


def _start_job(name: str, kind: str) -> Any:
    from recommender.services import jobs

    draft = authoring.get_or_create_draft(name, current_user)
    params = {"name": name, "source": draft.source, "data_files": dict(draft.data_files or {})}
    job_id = jobs.enqueue(kind, params, current_user)
    return redirect(url_for("authoring.job", name=name, job_id=job_id), code=303)


def _job_of(name: str, job_id: str) -> Any:
    from recommender.services import jobs

    authoring.get_ruleset(name)
    job = jobs.get(job_id)
    if job.ruleset != name:
        raise NotFound("There is no such job (finished jobs are kept for a day).")
    return job


@bp.get("/<name>/jobs/<job_id>")
@roles_required(*EDITORS)
def job(name: str, job_id: str) -> Any:
    from recommender.services import jobs
    from recommender.services.authoring.impact_preview import Impact

    row = _job_of(name, job_id)
    info = jobs.status(job_id)
    report = None
    if info["state"] == "finished" and row.kind == "impact":
        report = Impact.from_stored(info["result"])
    return render_template(
        "authoring/job.html",
        ruleset=authoring.get_ruleset(name),
        job=row,
        info=info,
        text=jobs.progress_text(info),
        report=report,
        starter=jobs.started_by(row),
        can_cancel=jobs.can_cancel(row, current_user),
        kept_hours=current_app.config.get("JOB_RESULT_HOURS", 24),
        tab=row.kind,
    )


@bp.get("/<name>/jobs/<job_id>/status")
@roles_required(*EDITORS)
def job_status(name: str, job_id: str) -> Any:
    """A job's state and progress as JSON (the page polls it; the result is on the page)."""
    from recommender.services import jobs

    _job_of(name, job_id)
    info = jobs.status(job_id)
    info.pop("result", None)
    info["text"] = jobs.progress_text(info)
    info["url"] = url_for("authoring.job", name=name, job_id=job_id)
    return jsonify(info)


@bp.post("/<name>/jobs/<job_id>/cancel")
@roles_required(*EDITORS)
def cancel_job(name: str, job_id: str) -> Any:
    from recommender.services import jobs
    from recommender.web import wants_json

    _job_of(name, job_id)
    info = jobs.cancel(job_id, current_user)
    if wants_json():
        info.pop("result", None)
        return jsonify(info)
    if info["state"] == "cancelled":
        flash("The job is cancelled.", "success")
    return redirect(url_for("authoring.job", name=name, job_id=job_id), code=303)


# --------------------------------------------------------------------------- publish


@bp.route("/<name>/publish", methods=["GET", "POST"])
@roles_required(*EDITORS)
def publish(name: str) -> Any:
    if request.method == "GET":
        return _publish_page(name)
    note = request.form.get("note", "")
    try:
        row = authoring.publish(name, current_user, note)
    except DefinitionError as exc:
        flash(
            f"Publishing refused: the draft has {len(exc.problems)} check error(s). Fix them first.",
            "error",
        )
        return redirect(url_for("authoring.edit", name=name))
    except authoring.ScenariosFailed as exc:
        # Say which scenarios fail (and which lines do not parse), linked to their lines.
        return _publish_page(name, refused=exc.report, note=note, status=422)
    except RecommenderError as exc:
        flash(exc.message, "error")
        return redirect(url_for("authoring.ruleset", name=name))
    flash(f"Published version {row.version}; it is active now.", "success")
    return redirect(url_for("authoring.ruleset", name=name))


def _publish_page(name: str, refused: Any = None, note: str = "", status: int = 200) -> Any:
    """The publish page; with `refused`, the scenario run that refused the publish."""
    draft = authoring.get_or_create_draft(name, current_user)
    return (
        render_template(
            "authoring/publish.html",
            ruleset=authoring.get_ruleset(name),
            draft=draft,
            diff=authoring.draft_diff(name, draft),
            problems=_problem_dicts(
                authoring.check_source(draft.source, name, data_files=draft.data_files or {})
            ),
            stale=authoring.draft_is_stale(name, draft),
            refused=refused,
            note=note,
            tab="publish",
        ),
        status,
    )


@bp.route("/<name>/rollback/<int:version>")
@roles_required(*EDITORS)
def rollback_confirm(name: str, version: int) -> Any:
    """Confirm a rollback: the active version, the one to go back to, the impact of going
    back, and a note (required)."""
    return _rollback_page(name, version, note="", error=None)


def _rollback_page(name: str, version: int, note: str, error: str | None, status: int = 200) -> Any:
    return (
        render_template(
            "authoring/rollback.html",
            ruleset=authoring.get_ruleset(name),
            plan=authoring.rollback_plan(name, version),
            note=note,
            error=error,
            note_max=authoring.NOTE_MAX,
            user_name=authoring.user_name,
            tab="overview",
        ),
        status,
    )


@bp.route("/<name>/rollback", methods=["POST"])
@roles_required(*EDITORS)
def rollback(name: str) -> Any:
    """Roll back (from the confirmation page): a note is required; a second submit for a
    version that is already active publishes nothing and says so."""
    to = _version_param(request.form.get("to"), "to")
    if to is None:
        raise InvalidInput("Choose the version to roll back to.")
    note = request.form.get("note", "")
    try:
        row = authoring.rollback(name, to, current_user, note, note_required=True)
    except authoring.AlreadyActive as exc:
        flash(exc.message, "info")
        return redirect(url_for("authoring.ruleset", name=name))
    except InvalidInput as exc:
        if "note" not in (exc.errors or {}):
            raise
        return _rollback_page(name, to, note, exc.message, 400)
    except (DefinitionError, authoring.ScenariosFailed) as exc:
        flash(
            f"Rollback refused: version {to} no longer passes its checks or scenarios: {exc.message}",
            "error",
        )
        return redirect(url_for("authoring.ruleset", name=name))
    flash(f"Version {to} is active again as version {row.version}.", "success")
    return redirect(url_for("authoring.ruleset", name=name))
