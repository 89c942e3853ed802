"""`recommender rules ...` (ruleset tools) and `recommender evaluate` (answers -> report).

Neither needs a database: rulesets come from rules/, questionnaires from forms/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from recommender.config import PROJECT_ROOT

RULES_DIR = PROJECT_ROOT / "rules"
FORMS_DIR = PROJECT_ROOT / "forms"


@click.group()
def rules() -> None:
    """Rulesets (rules/*.yaml): check them, and more."""


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@rules.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--forms", "forms_dir", default=str(FORMS_DIR), show_default=True, type=click.Path())
def rules_check(paths: tuple[str, ...], forms_dir: str) -> None:
    """Check rulesets (default rules/*.yaml); print path:line:col: message per problem."""
    from recommender.engine import check_ruleset_paths
    from recommender.engine.loader import load_questionnaires

    files = list(paths) or [_shown(p) for p in sorted(RULES_DIR.glob("*.yaml"))]
    questionnaires = load_questionnaires(forms_dir)
    problems = check_ruleset_paths(files, questionnaires)
    for problem in problems:
        click.echo(str(problem))
    from recommender.engine.table_findings import path_notes

    for note in path_notes(files, questionnaires):  # decision tables: overlaps, gaps
        click.echo(note)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {_ruleset_count(files)} rulesets")


def _ruleset_count(files: list[str]) -> int:
    """How many of the checked files are rulesets (data files are checked through the
    ruleset that names them, and not counted)."""
    from recommender.engine.datafiles import is_data_text

    return sum(1 for f in files if not is_data_text(Path(f).read_text(encoding="utf-8")))


def _markdown(result: dict[str, Any], questionnaire: Any) -> str:
    rs = result["ruleset"]
    lines = [f"# Recommendations ({rs['name']} v{rs['version']})", ""]
    lines.append("## Products")
    for p in result["products"] or []:
        lines.append(f"- **{p['name']}** (`{p['id']}`, {p['family']})")
        for why in p["rationale"]:
            lines.append(f"  - {why}")
    if not result["products"]:
        lines.append("- none")
    if result["bundles"]:
        lines += ["", "## Bundles"]
        for b in result["bundles"]:
            lines.append(f"- **{b['title']}**: {', '.join(b['products'])}")
    lines += ["", "## Risks"]
    for r in result["risks"] or []:
        lines.append(f"- **{r['title']}** ({r['severity']}): {r['reason']}")
        lines.append(f"  - Mitigation: {r['mitigation']}")
    if not result["risks"]:
        lines.append("- none")
    if result["exclusions"]:
        lines += ["", "## Excluded"]
        for e in result["exclusions"]:
            lines.append(f"- **{e['name']}**: {e['reason']}")
    if result.get("markets"):
        lines += ["", "## Per-market plan"]
        for m in result["markets"]:
            account = m.get("account_country") or "not answered"
            lines.append(
                f"- **{m['country_name']}** ({m.get('currency') or 'currency unknown'}), "
                f"account {account}{' (cross-border)' if m.get('cross_border') else ''}, "
                f"{m.get('auth_regime_label') or m.get('auth_regime')}"
            )
            methods = ", ".join(
                x["name"] + (f" ({', '.join(x['for'])})" if x.get("for") else "")
                for x in m["methods"]
            )
            lines.append(f"  - Turn on: {methods}")
            for x in m["excluded"]:
                lines.append(f"  - Not offered: {x['name']}: {x['reason']}")
    if result["derived"]:
        lines += ["", "## Derived facts"]
        for d in result["derived"]:
            lines.append(f"- {d['fact']} = {d['value']}: {d['reason']}")
    if result["open_questions"]:
        lines += ["", "## Open questions"]
        for q in result["open_questions"][:10]:
            lines.append(f"- {q['label']} (`{q['id']}`): {q['summary']}")
    if result["errors"]:
        lines += ["", "## Errors"]
        for err in result["errors"]:
            lines.append(f"- {err['message']}")
    return "\n".join(lines) + "\n"


FORMATS = ["json", "markdown", "html", "pdf", "one-pager"]
#: Formats that are the readout (the solution design) rather than the engine's result.
READOUT_FORMATS = {"html", "pdf", "one-pager"}
BINARY_FORMATS = {"pdf", "one-pager"}


@click.command("evaluate")
@click.option("--answers", "answers_path", required=True, type=click.Path(dir_okay=False))
@click.option(
    "--ruleset", "ruleset_path", default=str(RULES_DIR / "stripe.yaml"), show_default=True
)
@click.option("--forms", "forms_dir", default=str(FORMS_DIR), show_default=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    help="json and markdown: the engine's result; html, pdf, one-pager: the readout.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output (required for pdf and one-pager).",
)
@click.option(
    "--why-not",
    "why_not",
    metavar="PRODUCT",
    default=None,
    help="Also explain why this product (catalogue id) is or is not recommended and which "
    "single answer would make it appear (json: under `why_not`; markdown: a section).",
)
def evaluate(
    answers_path: str,
    ruleset_path: str,
    forms_dir: str,
    fmt: str,
    output: str | None,
    why_not: str | None,
) -> None:
    """Evaluate an answers JSON file (answer id -> value) with a ruleset file.

    json and markdown print the engine's result; html, pdf and one-pager render the readout
    (the solution design), dated today. Exits 1 (after writing the output) when the result
    holds errors (derived facts that do not settle, templates that fail), listed on
    standard error."""
    from recommender.engine import compile_ruleset, load_ruleset
    from recommender.engine.loader import find_questionnaire, questionnaire_id_of
    from recommender.errors import DefinitionError, RecommenderError

    if fmt in BINARY_FORMATS and not output:
        raise click.UsageError(f"--format {fmt} writes a PDF file: give it with --output FILE")
    if why_not is not None and fmt in READOUT_FORMATS:
        raise click.UsageError("--why-not works with --format json or markdown")
    try:
        text = Path(ruleset_path).read_text(encoding="utf-8")
        answers_text = Path(answers_path).read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        raw = json.loads(answers_text)
    except ValueError as exc:
        click.echo(f"error: {answers_path} is not valid JSON: {exc}", err=True)
        sys.exit(2)
    if not isinstance(raw, dict):
        click.echo("error: the answers file must hold a JSON object (answer id -> value)", err=True)
        sys.exit(2)
    qid = questionnaire_id_of(text, ruleset_path)
    questionnaire = find_questionnaire(forms_dir, qid) if qid else None
    if questionnaire is None:
        click.echo(f"error: questionnaire '{qid}' not found in {forms_dir}", err=True)
        sys.exit(2)
    try:
        ruleset = load_ruleset(ruleset_path, questionnaire)
    except DefinitionError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    answers, errors = _coerce(questionnaire, raw)
    if errors:
        for message in errors:
            click.echo(f"error: {message}", err=True)
        sys.exit(2)
    visible = questionnaire.visible_answers(answers)
    compiled = compile_ruleset(ruleset)
    try:
        result = compiled.evaluate(visible, questionnaire).to_dict()
        explained = (
            compiled.why_not(visible, why_not, questionnaire) if why_not is not None else None
        )
    finally:
        compiled.close()
    if explained is not None and explained["status"] == "unknown":
        click.echo(f"error: {explained['summary']}", err=True)
        sys.exit(2)
    if fmt not in READOUT_FORMATS:
        if fmt == "json":
            if explained is not None:
                result["why_not"] = explained
            _emit(json.dumps(result, indent=2, ensure_ascii=False) + "\n", output)
        else:
            text = _markdown(result, questionnaire)
            if explained is not None:
                text += "\n" + _why_not_markdown(explained)
            _emit(text, output)
        _exit_on_result_errors(result)
        return
    try:
        readout = _readout(ruleset, ruleset_path, visible, result, questionnaire)
        _emit(_render(readout, fmt), output)
    except RecommenderError as exc:  # RenderError, a design file that fails its checks
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    _exit_on_result_errors(result)


def _exit_on_result_errors(result: dict[str, Any]) -> None:
    """Exit 1 with each of the result's errors on standard error (the output is written)."""
    errors = result.get("errors") or []
    if not errors:
        return
    for err in errors:
        where = f" (rule {err['rule']})" if err.get("rule") else ""
        click.echo(
            f"error: {err.get('kind', 'engine')}{where}: {err.get('message', err)}", err=True
        )
    sys.exit(1)


def _why_not_markdown(explained: dict[str, Any]) -> str:
    """The "why not" explanation as a markdown section."""
    lines = [f"## Why not {explained['name']}? ({explained['status'].replace('_', ' ')})", ""]
    lines += [explained["summary"], ""]
    if explained["recommending_rules"]:
        lines.append("Rules that recommend it:")
        for r in explained["recommending_rules"]:
            mark = "fired" if r["fired"] else "did not fire"
            lines.append(
                f"- `{r['rule']}` ({mark}){': ' + r['description'] if r['description'] else ''}"
            )
            lines += [f"  - false: {f}" for f in r["failed"]]
            lines += [
                f"  - not answered: {u['label']} (`{u['question']}`)" for u in r["unanswered"]
            ]
    if explained["exclusions"]:
        lines += ["", "Rules that exclude it:"]
        for e in explained["exclusions"]:
            mark = "fired" if e["fired"] else "did not fire"
            lines.append(f"- `{e['rule']}` ({mark}){': ' + e['reason'] if e['reason'] else ''}")
    if explained["would_appear_if"]:
        lines += ["", "It would appear with:"]
        for a in explained["would_appear_if"]:
            values = "; ".join(v["label"] for v in a["values"])
            lines.append(f"- {a['label']} (`{a['question']}`): {values}. {a['note']}".rstrip())
    return "\n".join(lines) + "\n"


def _design(ruleset: Any, ruleset_path: str) -> dict[str, Any]:
    """The solution design data: the ruleset's own (named under `data:`), else
    solution_design.yaml beside the ruleset file."""
    import yaml

    from recommender.errors import RecommenderError

    data = getattr(ruleset, "data", None)
    if isinstance(data, dict) and isinstance(data.get("solution_design"), dict):
        return data["solution_design"]
    path = Path(ruleset_path).parent / "solution_design.yaml"
    try:
        design = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RecommenderError(f"no solution design data for the readout: {exc}") from exc
    if not isinstance(design, dict):
        raise RecommenderError(f"{_shown(path)}: not a solution design document")
    return design


def _readout(
    ruleset: Any,
    ruleset_path: str,
    answers: dict[str, Any],
    result: dict[str, Any],
    questionnaire: Any,
) -> dict[str, Any]:
    import datetime as dt

    from recommender.readout import build_readout

    readout: dict[str, Any] = build_readout(
        answers=answers,
        result=result,
        design=_design(ruleset, ruleset_path),
        questionnaire=questionnaire,
        notes=(),
        report_date=dt.date.today(),
    )
    return readout


def _render(readout: dict[str, Any], fmt: str) -> str | bytes:
    from recommender.readout import render

    if fmt == "html":
        return render.render_html(readout)
    if fmt == "pdf":
        return render.render_pdf(readout)
    return render.render_one_pager(readout)


def _emit(content: str | bytes, output: str | None) -> None:
    """Write to --output (bytes as they are, text as UTF-8), else to standard output."""
    if output is None:
        click.echo(content, nl=False)
        return
    try:
        if isinstance(content, bytes):
            Path(output).write_bytes(content)
        else:
            Path(output).write_text(content, encoding="utf-8")
    except OSError as exc:
        click.echo(f"error: cannot write {output}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {_shown(Path(output))}", err=True)


def _coerce(questionnaire: Any, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed answers via Questionnaire.coerce; one message per unknown id or bad value."""
    from recommender.questionnaire import MISSING, InvalidAnswer

    answers: dict[str, Any] = {}
    errors = []
    for qid, value in raw.items():
        if qid not in questionnaire.questions:
            errors.append(f"{qid}: unknown answer id")
            continue
        try:
            typed = questionnaire.coerce(qid, value)
        except InvalidAnswer as exc:
            errors.append(f"{qid}: {getattr(exc, 'message', exc)}")
            continue
        if typed is not MISSING:
            answers[qid] = typed
    return answers, errors


COMMANDS = [rules, evaluate]
