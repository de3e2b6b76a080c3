"""How the wall writes numbers, shares and ages in Chinese: one place, used by the screens, the
pages and the bulletins alike."""

from __future__ import annotations


def format_cn_number(value: float) -> str:
    """Figures the Chinese way, the one formatting of the wall, its charts and the bulletins:
    below 10,000 grouped by thousands (9,999); then in 万 or 亿 with three significant digits
    but never fewer than the whole number's (92,848 → 9.28万; 12,345,678 → 1235万;
    350,000,000 → 3.5亿), trailing zeros dropped."""
    if value != value:  # NaN
        return "—"
    for unit, name in ((1e8, "亿"), (1e4, "万")):
        if abs(value) >= unit:
            scaled = value / unit
            digits = max(0, 3 - len(str(int(abs(scaled)))))
            text = f"{scaled:.{digits}f}"
            if unit == 1e4 and abs(float(text)) >= 1e4:  # 9999.6万 rounds into the next unit
                return format_cn_number(
                    value if abs(value) >= 1e8 else 1e8 * (1 if value > 0 else -1)
                )
            return (text.rstrip("0").rstrip(".") if "." in text else text) + name
    return f"{value:,.0f}"


def cn_axis(low: float, high: float, ticks: int = 5, whole: bool = False) -> dict:
    """A chart axis labelled the Chinese way (万, 亿) instead of plotly's k and M: round tick
    values between low and high and their labels, for a plotly axis (tickvals, ticktext).
    `whole`: the axis counts things (hosts), so no tick falls between two whole numbers."""
    import math

    span = max(high - low, 1e-9)
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(math.ceil(step), 1)
    first = math.floor(low / step) * step
    values = [first + i * step for i in range(int((high - first) / step) + 2)]
    return {"tickvals": values, "ticktext": [format_cn_number(v) for v in values]}


def percent(x: float | None) -> str:
    """A share as a percentage with one decimal; "—" when unknown."""
    return f"{x:.1%}" if x is not None else "—"


def age_text(seconds: float) -> str:
    """How old something is: 秒 below two minutes, then 分钟, 小时, 天."""
    if seconds < 120:
        return f"{seconds:.0f} 秒"
    if seconds < 7200:
        return f"{seconds / 60:.0f} 分钟"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} 小时"
    return f"{seconds / 86400:.0f} 天"


def compact_cities(name: str) -> str:
    """A unit of the plan naming a long list of cities, by its first and its count, for a
    table of a formal document: 汕头、韶关…云浮等地级以上市政务服务数据管理局 →
    汕头等14个地级以上市政务服务数据管理局; a list of three or fewer stays as written."""
    if "、" not in name or "等" not in name:
        return name
    cities, rest = name.split("等", 1)
    listed = cities.split("、")
    if len(listed) <= 3:
        return name
    rest = rest.removeprefix("地级以上市")
    return f"{listed[0]}等{len(listed)}个地级以上市{rest}"


def short_unit(name: str) -> str:
    """A unit of the plan named short enough for a wall's table cell: 政务服务数据管理局 →
    政数局, a list of cities by its first and its count (汕头、韶关…云浮等地级以上市… →
    汕头等14市政数局), 数字政府建设运营中心 → 运营中心."""
    name = compact_cities(name).replace("个地级以上市", "市")
    name = name.replace("政务服务数据管理局", "政数局").replace("数字政府建设运营中心", "运营中心")
    return name.replace("各地级以上市", "各地市")


# how a collector's attempt failed (the kind its error starts with, collectors.base.ErrorKind)
FAILURE_LABEL = {
    "timeout": "超时", "refused": "拒绝连接", "dns": "域名无法解析", "unreachable": "网络不通",
    "tls": "证书/TLS 错误", "http_error": "HTTP 错误", "malformed": "数据无法解析",
    "mapping": "无匹配序列", "bad_input": "输入有误",
}  # fmt: skip


def failure_label(error: str | None) -> str:
    """A collector's error in words: "refused: http://…" → "拒绝连接"; "" when it did not fail."""
    if not error:
        return ""
    kind = error.split(":", 1)[0].strip()
    return FAILURE_LABEL.get(kind, "失败")
