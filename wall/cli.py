"""The `gdwall` command line: the only place that turns errors into exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from wall import settings as settings_mod
from wall.configfile import ConfigError

app = typer.Typer(
    help="广东数字政府政务云监测大屏 (gdwall): the wall, its plan and its data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
progress_app = typer.Typer(help="Record and list actual progress against the plan.")
app.add_typer(progress_app, name="progress")

PlanOption = Annotated[
    Path | None, typer.Option("--plan", help="Plan registry YAML (default: the packaged plan).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Folder for the embedded store and state.")
]


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _load_plan(path: Path | None):
    from wall.plan.loader import load_plan

    settings = settings_mod.from_env(plan_path=path)
    try:
        return load_plan(settings.plan_path)
    except ConfigError as exc:
        _fail(str(exc))


@app.command("check-config")
def check_config(
    paths: Annotated[list[Path], typer.Argument(help="Plan registry and sources files.")],
) -> None:
    """Validate configuration files; print one line per problem (file:line: field: reason)."""
    from wall.checkconfig import check_files

    summaries, problems = check_files(paths)
    for line in summaries:
        typer.echo(f"ok  {line}")
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        _fail(f"{len(problems)} problem(s) found", 1)


@app.command("plan")
def plan_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print the registry as JSON.")] = False,
    plan: PlanOption = None,
) -> None:
    """Print the validated plan registry: nodes, targets, milestones."""
    loaded = _load_plan(plan)
    if as_json:
        typer.echo(json.dumps(loaded.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    from wall.plan.models import TIER_LABEL, Tier

    typer.echo(f"{loaded.title}（{loaded.document}）")
    for tier in Tier:
        nodes = loaded.nodes_of(tier)
        typer.echo(f"{TIER_LABEL[tier]} ({len(nodes)}): " + "、".join(n.name for n in nodes))
    typer.echo(f"指标 {len(loaded.targets)} 项，里程碑 {len(loaded.milestones)} 项")


@progress_app.command("add")
def progress_add(
    kind: Annotated[
        str,
        typer.Argument(
            help="node_building, node_live, docking_stage, security_platform or milestone_met"
        ),
    ],
    subject: Annotated[str, typer.Argument(help="A node id, or a milestone id.")],
    when: Annotated[
        str,
        typer.Option(
            "--at", help="When it happened: 2020-06-30 or an ISO time; without a zone, China time."
        ),
    ],
    evidence: Annotated[str, typer.Option("--evidence", help="How it is known.")],
    by: Annotated[str, typer.Option("--by", help="Who records it.")],
    stage: Annotated[str | None, typer.Option("--stage", help="displayed or interop.")] = None,
    plan: PlanOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Record one progress event (a node went live, a cloud docked, a milestone met…)."""
    from wall.chinatime import parse_instant
    from wall.plan.models import NodeState
    from wall.progress import EventKind, ProgressError, ProgressEvent, add_event
    from wall.state.db import StateDatabaseError, connect

    loaded = _load_plan(plan)
    settings = settings_mod.from_env(data_dir=data_dir)
    try:
        event = ProgressEvent(
            kind=EventKind(kind),
            subject=subject,
            occurred_at=parse_instant(when),
            evidence=evidence,
            recorded_by=by,
            stage=NodeState(stage) if stage else None,
        )
        conn = connect(settings.state_db_path)
        added = add_event(conn, loaded, event)
    except (ValueError, ProgressError, StateDatabaseError) as exc:
        _fail(f"refused: {exc}")
    typer.echo("recorded" if added else "already recorded: nothing changed")


@progress_app.command("list")
def progress_list(
    subject: Annotated[str | None, typer.Option("--subject", help="Only this node.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """List recorded progress events in time order (times shown in China time)."""
    from wall.chinatime import CHINA
    from wall.progress import list_events
    from wall.state.db import StateDatabaseError, connect

    settings = settings_mod.from_env(data_dir=data_dir)
    try:
        conn = connect(settings.state_db_path)
    except StateDatabaseError as exc:
        _fail(str(exc))
    for e in list_events(conn, subject):
        when = e.occurred_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        stage = f" {e.stage}" if e.stage else ""
        typer.echo(f"{when}  {e.kind}{stage}  {e.subject}  {e.evidence}  ({e.recorded_by})")


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8050,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    data_dir: DataDirOption = None,
) -> None:
    """Run the wall in demo mode: embedded store, sign-in off, on http://HOST:PORT."""
    from wall.app import create_app

    settings = settings_mod.from_env(data_dir=data_dir, demo=True)
    dash_app = create_app(settings)
    typer.echo(f"广东数字政府政务云大屏 (demo) on http://{host}:{port}/  data: {settings.data_dir}")
    dash_app.run(host=host, port=port, debug=False)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
