"""The `gdwall` command line: the only place that turns errors into exit codes."""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from wall.core import settings as settings_mod
from wall.core.configfile import ConfigError

app = typer.Typer(
    help="广东数字政府政务云监测大屏 (gdwall): the wall, its plan and its data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _logging(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug logs, HTTP libraries' requests too.")
    ] = False,
) -> None:
    """Logs as JSON lines (GDWALL_LOG_FORMAT=text for plain); the demo's console stays quiet;
    the HTTP libraries' per-request lines only with --verbose."""
    import logging

    from wall.core import logs

    try:
        fmt = settings_mod.from_env().log_format
    except ValueError:
        fmt = "json"  # the command itself reports the bad setting
    if ctx.invoked_subcommand == "demo" and not verbose:
        logs.configure("text", logging.WARNING)
    else:
        logs.configure(fmt, verbose=verbose)


progress_app = typer.Typer(help="Record and list actual progress against the plan.")
app.add_typer(progress_app, name="progress")

PlanOption = Annotated[
    Path | None, typer.Option("--plan", help="Plan registry YAML (default: the packaged plan).")
]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Folder for the embedded store and state.")
]


def _one_line(exc: Exception) -> str:
    """A validation error as one line: pydantic's messages without its help links."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in errors()
        )
    return str(exc)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _settings(**overrides) -> settings_mod.Settings:
    """The settings from the environment and the command's flags; a bad value is refused with
    the variable's name (exit 2), never a traceback."""
    from pydantic import ValidationError

    try:
        settings = settings_mod.from_env(**overrides)
    except ValidationError as exc:
        problems = [
            f"{settings_mod.ENV_PREFIX}{str(e['loc'][0]).upper()}: {e['msg']}"
            + (f" (got {e['input']!r})" if isinstance(e.get("input"), str | int | float) else "")
            for e in exc.errors()
        ]
        _fail("configuration refused: " + "; ".join(problems), code=2)
    from geo import geometry
    from wall.core import links
    from wall.core.configfile import ConfigError
    from wall.core.plan.loader import load_plan

    geometry.use(settings.geometry_file)  # the province's map, for the wall and the bulletins
    if settings.links_file is not None:  # the extranet's links, for the wall and the bulletins
        try:
            links.use(links.load_links(settings.links_file, load_plan(settings.plan_path)))
        except ConfigError as exc:
            _fail(f"links file refused:\n{exc}", code=2)
    return settings


def _load_plan(path: Path | None):
    from wall.core.plan.loader import load_plan

    settings = _settings(plan_path=path)
    try:
        return load_plan(settings.plan_path)
    except ConfigError as exc:
        _fail(str(exc))


@app.command("check-config")
def check_config(
    paths: Annotated[list[Path], typer.Argument(help="Plan registry and sources files.")],
    probe: Annotated[
        bool,
        typer.Option(
            "--probe",
            help="Also ask each live prometheus source how many series each node matches.",
        ),
    ] = False,
) -> None:
    """Validate configuration files; print one line per problem (file:line: field: reason)."""
    from wall.checkconfig import check_files, probe_sources

    summaries, problems = check_files(paths)
    for line in summaries:
        typer.echo(f"ok  {line}")
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        _fail(f"{len(problems)} problem(s) found", 1)
    if probe:
        lines = probe_sources(paths)
        for line in lines:
            typer.echo(line)
        if any(not line.startswith("ok ") for line in lines):
            _fail("some nodes match no series, or a source failed", 1)


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
    from wall.core.plan.models import TIER_LABEL, Tier

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
    from wall.core.chinatime import parse_instant
    from wall.core.plan.models import NodeState
    from wall.core.progress import EventKind, ProgressError, ProgressEvent
    from wall.state.db import StateDatabaseError
    from wall.state.progress import add_event

    loaded = _load_plan(plan)
    try:
        event = ProgressEvent(
            kind=EventKind(kind),
            subject=subject,
            occurred_at=parse_instant(when),
            evidence=evidence,
            recorded_by=by,
            stage=NodeState(stage) if stage else None,
        )
        with _state(data_dir) as conn:
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
    from wall.core.chinatime import CHINA
    from wall.state.db import StateDatabaseError
    from wall.state.progress import list_events

    try:
        with _state(data_dir) as conn:
            events = list_events(conn, subject)
    except StateDatabaseError as exc:
        _fail(str(exc))
    for e in events:
        when = e.occurred_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        stage = f" {e.stage}" if e.stage else ""
        typer.echo(f"{when}  {e.kind}{stage}  {e.subject}  {e.evidence}  ({e.recorded_by})")


StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Store URL (influxdb://…, sqlite:///…); default embedded."),
]


def _store(settings):
    from wall.store import store_from_settings

    try:
        return store_from_settings(settings)
    except ValueError as exc:
        _fail(str(exc))


@app.command("backfill")
def backfill_cmd(
    store: StoreOption = None,
    since: Annotated[str, typer.Option(help="First day (China time).")] = "2019-01-01",
    days: Annotated[int, typer.Option(help="Days of one-minute data before now.")] = 2,
    seed: Annotated[int, typer.Option(help="Seed of the simulated province.")] = 2019,
    registers: Annotated[
        Path | None, typer.Option(help="Also write the cities' migration registers (XLSX) here.")
    ] = None,
    data_dir: DataDirOption = None,
    plan: PlanOption = None,
) -> None:
    """Write the simulated province's history since the plan's start into the store."""
    import time

    from collectors.simulator.backfill import backfill
    from collectors.simulator.model import Province
    from wall.core.chinatime import parse_instant
    from wall.store import StoreError

    settings = _settings(data_dir=data_dir, store_url=store)
    province = Province(_load_plan(plan), seed=seed)
    started = time.perf_counter()
    try:
        lines = backfill(
            _store(settings), province, parse_instant(since), minute_days=days, progress=typer.echo
        )
    except (StoreError, ValueError) as exc:
        _fail(f"backfill failed: {exc}")
    took = time.perf_counter() - started
    typer.echo(f"wrote {lines:,} lines in {took:.1f} s ({lines / took:,.0f} lines/s)")
    # the province's progress (who went live when) belongs with its metrics: without it the
    # wall and the bulletins see no node live
    from contextlib import closing

    from wall.state.db import connect
    from wall.state.progress import add_event

    with closing(connect(settings.state_db_path)) as conn:
        added = sum(add_event(conn, province.plan, e) for e in province.events)
    typer.echo(
        f"recorded {added} progress events of the simulated province in {settings.state_db_path}"
    )
    if registers:
        from collectors.simulator.registers import write_registers

        paths = write_registers(province, registers)
        typer.echo(
            f"wrote {len(paths)} migration registers to {registers} (gdwall import-inventory FILE)"
        )


@app.command("bulletin")
def bulletin_cmd(
    period: Annotated[
        str, typer.Option(help="2020-06 (month), 2020-Q2 (quarter), 2020 (year) or FROM..TO.")
    ],
    format: Annotated[
        str, typer.Option("--format", help="Comma-separated: xlsx, docx, pdf, html.")
    ] = "xlsx,docx,pdf,html",
    out: Annotated[Path, typer.Option(help="Folder to write into.")] = Path("bulletins"),
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    plan: PlanOption = None,
) -> None:
    """Score every city node against the plan over a period and write the bulletin (with a
    JSON record of every figure, the rules and a hash of the inputs beside it)."""
    from wall import bulletin
    from wall.bulletin.evaluation import PeriodError, parse_period
    from wall.core.chinatime import CHINA
    from wall.store import StoreError

    settings = _settings(data_dir=data_dir, store_url=store, plan_path=plan)
    formats = [f.strip().lower() for f in format.split(",") if f.strip()]
    try:
        the_period = parse_period(period, datetime.now(CHINA).date())
        paths = bulletin.make(settings, _store(settings), the_period, formats, out)
    except (PeriodError, bulletin.BulletinError, StoreError, ConfigError) as exc:
        _fail(f"bulletin: {exc}")
    for path in paths:
        typer.echo(str(path))


@app.command("bulletin-verify")
def bulletin_verify(
    record: Annotated[Path, typer.Argument(help="The bulletin's JSON record.")],
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run a bulletin's reads again and say whether the store still gives the answers its
    numbers came from (exit 1 if any differ)."""
    import json

    from wall.store import StoreError
    from wall.store.tracing import replay

    try:
        reads = json.loads(record.read_text(encoding="utf-8"))["reads"]
    except (OSError, ValueError, KeyError) as exc:
        _fail(f"bulletin-verify: {record}: not a bulletin record ({exc})")
    settings = _settings(data_dir=data_dir, store_url=store)
    try:
        results = replay(_store(settings), reads)
    except StoreError as exc:
        _fail(f"bulletin-verify: {exc}")
    changed = [r for r in results if not r.same]
    for r in changed:
        typer.echo(f"{r.id} {r.method}: answer changed ({r.rows} rows now)")
    typer.echo(f"{len(results) - len(changed)} of {len(results)} reads give the same answer")
    if changed:
        raise typer.Exit(1)


@app.command("import-inventory")
def import_inventory_cmd(
    file: Annotated[Path, typer.Argument(help="A migration register: .xlsx or .csv.")],
    store: StoreOption = None,
    report: Annotated[Path | None, typer.Option(help="Where to write rejected rows (CSV).")] = None,
    rules: Annotated[Path | None, typer.Option(help="Column and status synonyms (YAML).")] = None,
    data_dir: DataDirOption = None,
    plan: PlanOption = None,
) -> None:
    """Import a business-system migration register; report every rejected row and why."""
    from collectors.base import CollectError
    from collectors.inventory import RULES_PATH, import_file, load_rules, write_report
    from wall.store import StoreError

    settings = _settings(data_dir=data_dir, store_url=store)
    try:
        result = import_file(file, _load_plan(plan), load_rules(rules or RULES_PATH))
    except (CollectError, ConfigError) as exc:
        _fail(f"cannot import: {exc}")
    try:
        if result.samples:
            _store(settings).write(result.samples)
    except StoreError as exc:
        _fail(f"store refused the import: {exc}")
    typer.echo(f"{file}: {result.imported} rows imported, {len(result.rejected)} rejected, "
               f"{result.skipped} skipped (title, blank, totals)")  # fmt: skip
    if result.rejected:
        target = write_report(result, report or file.with_name(file.stem + ".rejected.csv"))
        for r in result.rejected[:20]:
            typer.echo(f"  row {r.row}: {r.reason}")
        typer.echo(f"rejected rows written to {target}")


@app.command("simulate")
def simulate_cmd(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free port).")] = 9180,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed of the simulated province.")] = 2019,
    sources_out: Annotated[
        Path | None,
        typer.Option("--sources-out", help="Write the sources file that collects it here."),
    ] = None,
    interval_s: Annotated[
        float, typer.Option(help="Collection interval written into --sources-out.")
    ] = 15.0,
    plan: PlanOption = None,
) -> None:
    """Serve the simulated province: per-node /metrics and the PRD clouds' JSON API (and, with
    --sources-out, write the sources file for `gdwall collect --sources`)."""
    import signal
    import threading

    from collectors.simulator.model import Province
    from collectors.simulator.server import SimulatorServer

    province = Province(_load_plan(plan), seed=seed)
    server = SimulatorServer(province, host, port).start()
    typer.echo(
        f"simulated province on {server.url}/nodes/<node>/metrics and {server.url}/api/v1/clouds/<node>"
    )
    if sources_out is not None:
        from collectors.simulator.sources import simulated_sources, write_sources_file

        write_sources_file(sources_out, simulated_sources(province, server.url, interval_s))
        typer.echo(f"sources written to {sources_out} (gdwall collect --sources {sources_out})")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()


@app.command("collect")
def collect_cmd(
    sources: Annotated[Path | None, typer.Option("--sources", help="Sources file.")] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Collect every source once and exit.")
    ] = False,
    type_: Annotated[str | None, typer.Option("--type", help="Try one source: its type.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Try one source: its URL.")] = None,
    mapping: Annotated[
        str | None, typer.Option("--mapping", help="Mapping name(s), comma-separated.")
    ] = None,
    node: Annotated[list[str] | None, typer.Option("--node", help="Node id(s) it feeds.")] = None,
    match: Annotated[
        str | None,
        typer.Option(
            "--match",
            help="Try one source: PromQL label matchers of the node's series, e.g. "
            "'{job=\"meizhou\"}' (for one --node; without it the series need a node label).",
        ),
    ] = None,
    timeout_s: Annotated[float, typer.Option(help="Try one source: its timeout.")] = 10.0,
    shard: Annotated[
        str | None,
        typer.Option(help="K/N: pull only the nodes of shard K of N (one process per shard)."),
    ] = None,
    ops_port: Annotated[
        int | None, typer.Option(help="Serve /healthz, /readyz and /metrics on this port.")
    ] = None,
    ops_host: Annotated[str, typer.Option(help="Interface of the ops port.")] = "127.0.0.1",
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    plan: PlanOption = None,
) -> None:
    """Pull metrics from the configured sources into the store (SIGTERM stops cleanly)."""
    import signal

    from collectors.config import Source, load_sources
    from collectors.runner import Runner
    from wall.store.spool import BufferedWriter, Spool

    loaded_plan = _load_plan(plan)
    settings = _settings(data_dir=data_dir, store_url=store)
    if type_:
        once = True
        if match and len(node or []) != 1:
            _fail("--match selects the series of one node: give exactly one --node")
        try:
            chosen = [Source(name="cli", type=type_, url=url, mapping=mapping, nodes=node or [],
                             node_match={node[0]: match} if match else None,
                             timeout_s=timeout_s, interval_s=max(timeout_s, 60))]  # fmt: skip
        except ValueError as exc:
            _fail(f"bad source: {_one_line(exc)}")
        unknown = [n for n in chosen[0].nodes if n not in {x.id for x in loaded_plan.nodes}]
        if unknown:
            _fail(f"unknown node(s): {', '.join(unknown)}")
    elif sources:
        try:
            chosen = load_sources(sources, loaded_plan).sources
        except ConfigError as exc:
            _fail(str(exc))
    else:
        _fail("give --sources FILE, or one source with --type/--url/--mapping/--node")
    if shard:
        from collectors.config import parse_shard, shard_sources

        try:
            chosen = shard_sources(chosen, *parse_shard(shard))
        except ValueError as exc:
            _fail(f"collect: {exc}")
        typer.echo(f"shard {shard}: {sum(len(s.nodes) for s in chosen)} node feeds", err=True)
    writer = BufferedWriter(
        _store(settings), Spool(settings.spool_path, settings.spool_limit_bytes)
    )

    def report(attempt) -> None:
        status = "ok" if attempt.ok else "FAILED"
        typer.echo(f"{attempt.source}: {status} in {attempt.duration_ms:.0f} ms, {attempt.points} samples"
                   + (f" — {attempt.error}" if attempt.error else ""))  # fmt: skip
        for sample in attempt.samples if once else ():
            fields = ", ".join(
                f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in sample.fields.items()
            )
            typer.echo(f"  {sample.measurement} {sample.tags.get('node')}: {fields}")

    try:
        runner = Runner(chosen, writer, on_attempt=report)
    except (ValueError, ConfigError) as exc:
        _fail(str(exc))
    if once:
        attempts = runner.run_once()
        runner.close()
        if writer.last_error:
            typer.echo(f"store: {writer.last_error} (spooled to {settings.spool_path})", err=True)
        raise typer.Exit(0 if all(a.ok for a in attempts) else 1)
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    if ops_port is not None:
        from collectors.ops import OpsServer

        OpsServer(runner, ops_host, ops_port).start()
    try:
        runner.run()
    except KeyboardInterrupt:
        runner.stop()
        runner.close()


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    store: StoreOption = None,
    data_dir: DataDirOption = None,
    workers: Annotated[int, typer.Option(help="gunicorn worker processes.")] = 2,
    threads: Annotated[int, typer.Option(help="Threads per worker.")] = 4,
) -> None:
    """Serve the wall with gunicorn over an existing store and state database (collectors run
    apart). Workers share cached query answers through Redis when GDWALL_REDIS_URL is set."""
    import atexit
    import os
    import shutil
    import tempfile

    # every worker counts into files here and /metrics adds them up, whichever worker answers;
    # prometheus_client picks its mode when first imported, so this comes before anything
    # that imports it (the app)
    made_here = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    if made_here:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="gdwall-metrics-")
    metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]

    def remove_metrics_dir() -> None:
        if made_here:
            shutil.rmtree(metrics_dir, ignore_errors=True)

    atexit.register(remove_metrics_dir)

    from gunicorn.app.base import BaseApplication

    from wall.core.layouts import LayoutSource
    from wall.state.db import StateDatabaseError, connect
    from wall.store import StoreError, store_from_settings
    from wall.web.access import InsecureConfig, secret_key, trusted_networks

    settings = _settings(data_dir=data_dir, store_url=store)
    # everything a worker would trip over is checked once here, before forking, and refused
    # in words (never a traceback from each worker)
    try:
        secret_key(settings)  # outside demo mode: no default, missing or patterned secret
        trusted_networks(settings.trusted_proxies)
        LayoutSource(settings.layouts_dir)  # a bad layout names its file and line
        _load_plan(settings.plan_path)
        connect(settings.state_db_path).close()  # migrate once, before workers race to do it
        store_from_settings(settings).close()
    except (InsecureConfig, ConfigError, ValueError) as exc:
        _fail(f"serve: {exc}", code=2)
    except StateDatabaseError as exc:
        _fail(f"serve: state database: {exc}", code=2)
    except StoreError as exc:
        _fail(f"serve: metric store: {exc}", code=2)

    from wall.web.app import create_app, settle

    class Wall(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": 120,
                # idle connections kept longer than any screen's refresh period: a browser
                # reusing one the server just closed would otherwise see a failed refresh
                "keepalive": 75,
                "accesslog": None,
                # who is behind a proxy is the app's to decide (GDWALL_TRUSTED_PROXIES), not
                # gunicorn's default trust of X-Forwarded-Proto from 127.0.0.1
                "secure_scheme_headers": {},
                "forwarded_allow_ips": "",
                "child_exit": lambda _arbiter, worker: _worker_gone(worker.pid),
                "on_exit": lambda _arbiter: remove_metrics_dir(),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            server = create_app(settings).server  # in each worker: its own store connections
            settle()
            return server

    typer.echo(
        f"广东数字政府政务云大屏 on http://{host}:{port}/  ({workers} workers)  data: {settings.data_dir}"
    )
    Wall().run()


def _worker_gone(pid: int) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


@app.command("audit-verify")
def audit_verify(data_dir: DataDirOption = None) -> None:
    """Check the audit log's hash chain and name the first entry that does not fit (exit 1);
    print the chain's head, to keep elsewhere (a rewritten chain then shows too)."""
    from wall.state import auth
    from wall.state.db import StateDatabaseError

    try:
        with _state(data_dir) as conn:
            check = auth.verify_audit_chain(conn)
    except StateDatabaseError as exc:
        _fail(f"audit-verify: {exc}", code=2)
    if check.broken_at is not None:
        typer.echo(f"审计日志编号 {check.broken_at} 的记录{check.reason}（已核对 {check.rows} 条）")
        raise typer.Exit(1)
    before = f"，其中链开始前的 {check.unchained} 条作为一个整体受保护" if check.unchained else ""
    typer.echo(f"审计日志完整：共 {check.rows} 条{before}；链头 {check.head}")


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8050,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    data_dir: DataDirOption = None,
    interval_s: Annotated[float, typer.Option(help="Collection interval of the demo.")] = 15.0,
    since: Annotated[str, typer.Option(help="Start of the backfilled history.")] = "2019-01-01",
    store: StoreOption = None,
) -> None:
    """The whole wall in one command: embedded store (or --store's InfluxDB) with history
    since 2019 (backfilled on first start), the simulated province, collectors and the wall,
    sign-in off."""
    from wall.core.chinatime import parse_instant
    from wall.demo import start_demo
    from wall.web.app import create_app, settle

    settings = _settings(data_dir=data_dir, demo=True, store_url=store)
    typer.echo(f"preparing the demo in {settings.data_dir} …")
    start_demo(settings, interval_s=interval_s, since=parse_instant(since), say=typer.echo)
    dash_app = create_app(settings)
    settle()
    typer.echo(f"广东数字政府政务云大屏 (demo) on http://{host}:{port}/  data: {settings.data_dir}")
    dash_app.run(host=host, port=port, debug=False)


geo_app = typer.Typer(help="The province's own map (its standard map, with its 审图号).")
app.add_typer(geo_app, name="geo")


@geo_app.command("import")
def geo_import(
    source: Annotated[
        Path, typer.Argument(help="Shapefile (.shp with .prj), GeoJSON or GeoPackage.")
    ],
    approval: Annotated[
        str, typer.Option("--approval", help="The map's 审图号, e.g. 粤S(2023)001号.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write (default: the data folder, drawn from then on)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Make the province's boundaries the wall's map: reproject, check the 21 cities, simplify
    (keeping 东沙群岛), write the GeoJSON the wall and the bulletins draw, 审图号 beside it."""
    from geo.importer import GeometryError, import_geometry
    from wall.core.settings import IMPORTED_MAP

    settings = _settings(data_dir=data_dir)
    target = out or settings.data_dir / IMPORTED_MAP
    try:
        report = import_geometry(source, approval, target)
    except GeometryError as exc:
        _fail(f"geo import: {exc}")
    typer.echo(f"{report.path}: 21 cities from {source} ({report.crs} → WGS 84), {report.bytes:,} bytes"
               f" (simplified at {report.tolerance:g}°), 东沙群岛 {'kept' if report.dongsha else 'absent'},"
               f" 审图号 {report.approval}")  # fmt: skip
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    if out and settings.geometry_path != out:
        typer.echo(f"draw it with GDWALL_GEOMETRY_PATH={out}")


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


users_app = typer.Typer(help="Who may sign in to the wall (kept in the state database).")
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="Kiosk tokens of the command-centre screens (role screen).")
app.add_typer(tokens_app, name="tokens")


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _state(data_dir: Path | None):
    """The state database for one command (the CLI's only way to it)."""
    from contextlib import closing

    from wall.state.db import connect

    return closing(connect(_settings(data_dir=data_dir).state_db_path))


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt("密码", hide_input=True)
    if typer.prompt("再次输入密码", hide_input=True) != first:
        _fail("users: 两次输入的密码不一致")
    return first


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's sign-in name.")],
    role: Annotated[str, typer.Option(help="screen, operator, evaluator or admin.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Add a user; asks for the password (at least 10 characters, not a common one)."""
    from wall.state import auth

    password = _read_password(password_stdin)
    with _state(data_dir) as conn:
        try:
            user = auth.add_user(conn, name, role, password)
        except auth.AuthError as exc:
            _fail(f"users add: {exc}")
        auth.audit(conn, "user_add", _cli_actor(), user.name, f"role={user.role}")
    typer.echo(f"added {user.name} ({user.role})")


@users_app.command("passwd")
def users_passwd(
    name: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Set a user's password."""
    from wall.state import auth

    password = _read_password(password_stdin)
    with _state(data_dir) as conn:
        try:
            auth.set_password(conn, name, password)
        except auth.AuthError as exc:
            _fail(f"users passwd: {exc}")
        auth.audit(conn, "user_password", _cli_actor(), name)
    typer.echo(f"password of {name} changed")


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument()], data_dir: DataDirOption = None) -> None:
    """Disable a user: their sessions end within seconds."""
    from wall.state import auth

    with _state(data_dir) as conn:
        try:
            auth.disable_user(conn, name)
        except auth.AuthError as exc:
            _fail(f"users disable: {exc}")
        auth.audit(conn, "user_disable", _cli_actor(), name)
    typer.echo(f"disabled {name}")


@users_app.command("list")
def users_list(data_dir: DataDirOption = None) -> None:
    from wall.state import auth

    with _state(data_dir) as conn:
        for name, role, created, disabled in auth.list_users(conn):
            typer.echo(f"{name}\t{role}\t{created}\t{'disabled ' + disabled if disabled else ''}")


@tokens_app.command("add")
def tokens_add(
    label: Annotated[str, typer.Argument(help="Which screen, e.g. 指挥中心主屏.")],
    data_dir: DataDirOption = None,
) -> None:
    """Create a screen token and print its sign-in path (shown once; only its hash is kept)."""
    from wall.state import auth

    with _state(data_dir) as conn:
        try:
            token_id, token = auth.create_token(conn, label, _cli_actor())
        except auth.AuthError as exc:
            _fail(f"tokens add: {exc}")
        auth.audit(conn, "token_add", _cli_actor(), f"{token_id}:{label}")
    typer.echo(f"token {token_id} for {label}; open on the screen: /login/token/{token}")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument()], data_dir: DataDirOption = None
) -> None:
    """Revoke a screen token: that screen is signed out within seconds."""
    from wall.state import auth

    with _state(data_dir) as conn:
        try:
            label = auth.revoke_token(conn, token_id)
        except auth.AuthError as exc:
            _fail(f"tokens revoke: {exc}")
        auth.audit(conn, "token_revoke", _cli_actor(), f"{token_id}:{label}")
    typer.echo(f"revoked token {token_id} ({label})")


@tokens_app.command("list")
def tokens_list(data_dir: DataDirOption = None) -> None:
    from wall.state import auth

    with _state(data_dir) as conn:
        for row in auth.list_tokens(conn):
            typer.echo("\t".join("" if x is None else str(x) for x in row))


@app.command("schedule-bulletins")
def schedule_bulletins(
    every_s: Annotated[float, typer.Option(help="Seconds between checks.")] = 3600.0,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write each finished month's and quarter's bulletin into the archive, once (run this in
    one process of the deployment, never in the wall's workers). SIGTERM stops."""
    import signal
    import threading

    from wall.bulletin import schedule as bulletin_schedule

    settings = _settings(data_dir=data_dir, store_url=store)
    bulletin_schedule.start(settings, _store(settings), every_s)
    typer.echo(f"bulletins of finished months and quarters go to {settings.bulletin_path}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()


if __name__ == "__main__":
    main()
