"""How the wall writes numbers, shares and ages in Chinese: one place, used by the screens, the
pages and the bulletins alike."""

from __future__ import annotations


def format_cn_number(value: float) -> str:
    """Large figures the Chinese way: 92,848 → 9.28万; 350,000,000 → 3.5亿."""
    if abs(value) >= 1e8:
        return f"{value / 1e8:.3g}亿"
    if abs(value) >= 1e4:
        return f"{value / 1e4:.3g}万"
    return f"{value:,.0f}"


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
