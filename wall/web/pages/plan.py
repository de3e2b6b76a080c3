"""The plan (/plan): every row of 粤办函〔2019〕288号 the wall tracks — the attachment's tasks,
the implementation steps' checkpoints and the provincial platform's targets — as the judge
decides them on the page's day, with the section each comes from, what decided it, who leads
and who cooperates. The wall's milestone panel shows the late and open rows first and links
here for the rest."""

from __future__ import annotations

from collections import Counter

from dash import html

from wall.core.chinatime import format_cn_date
from wall.read.judge import PROVINCE_TARGETS
from wall.web.panels.plan import milestone_table
from wall.web.registry import page
from wall.web.services import PageContext


@page("plan", "/plan", "实施计划", "pages", order=5)
def plan_body(ctx: PageContext) -> list:
    state = ctx.read.wall_state(ctx.layouts.thresholds)
    verdicts = state.verdicts
    rows = verdicts.milestones
    targets = [verdicts.targets[t] for t in PROVINCE_TARGETS if t in verdicts.targets]
    counts = Counter(v.label for v in rows)
    day = f"截至{format_cn_date(state.replay_day)}" if state.replay else "实时"
    return [
        html.Div(
            [
                html.H1("实施计划 · 计划与实际", id="plan-title"),
                html.Div(
                    f"粤办函〔2019〕288号 · {len(rows)} 项（附件任务与实施步骤节点）"
                    + f" · {day}"
                    + " · "
                    + "、".join(f"{label} {n}" for label, n in counts.most_common()),
                    className="card-summary",
                ),
            ],
            className="page-head",
        ),
        html.Section([html.H2("工作任务与节点"), milestone_table(rows)], className="card"),
        html.Section(
            [html.H2("省级平台目标（二（一）、二（六））"), milestone_table(targets)],
            className="card",
        ),
    ]
