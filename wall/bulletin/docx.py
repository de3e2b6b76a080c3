"""The bulletin as a Word document laid out by GB/T 9704-2012 (党政机关公文格式): A4, top margin
37 mm, binding (left) margin 28 mm, a 156 × 225 mm type area of 22 lines; body in 3号 (16 pt)
仿宋, title in 2号 (22 pt) 小标宋, headings 一、（一）1.（1）in 黑体 / 楷体 / 仿宋; the red
issuing-body mark and separator, document number and date in Arabic numerals, page numbers
"— 1 —", and the closing block (版记). python-docx embeds no fonts: every run names its East
Asian font, and the reader's Word supplies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from wall.bulletin.tables import DEPARTMENT_HEAD, MILESTONE_HEAD, PRD_HEAD, PROVINCE_HEAD
from wall.core.chinatime import CHINA

FANGSONG, HEITI, KAITI, XBS, SONGTI = "仿宋", "黑体", "楷体", "方正小标宋简体", "宋体"
RED = RGBColor(0xE6, 0x00, 0x12)
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
TABLE_PT = 10.5  # 五号: tables of figures
LINE_PT = 28.9  # 225 mm ÷ 22 lines
CN_NUM = [*"一二三四五六七八九十", *(f"十{d}" for d in "一二三四五六七八九")]


@dataclass(frozen=True)
class Masthead:
    """What a government document carries besides its text (from configuration)."""

    issuer: str = "广东省政务服务数据管理局"
    mark: str = "广东省政务服务数据管理局文件"
    number: str = "粤政数〔{year}〕1号"
    copy_to: str = "各地级以上市政务服务数据管理局，省数字政府建设运营中心。"
    printed_by: str = "广东省政务服务数据管理局办公室"


def _fonts(run, east_asia: str, size_pt: float, bold: bool = False, color=None) -> None:
    run.font.name = east_asia
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), east_asia)
    if color is not None:
        run.font.color.rgb = color


def _para(doc, text: str = "", font=FANGSONG, size=BODY_PT, bold=False, align=None, indent=True,
          color=None):  # fmt: skip
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)  # two characters
    if align is not None:
        p.alignment = align
    if text:
        _fonts(p.add_run(text), font, size, bold, color)
    return p


def _bottom_border(paragraph, color: str = "E60012", size_eighths: int = 12) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (
        ("w:val", "single"),
        ("w:sz", str(size_eighths)),
        ("w:space", "1"),
        ("w:color", color),
    ):
        bottom.set(qn(k), v)
    border.append(bottom)
    # the schema wants pBdr before spacing, indentation and alignment; readers skip it elsewhere
    style = ppr.find(qn("w:pStyle"))
    ppr.insert(1 if style is not None else 0, border)


def _page_number_footer(section) -> None:
    """ "— N —" centred in 4号 宋体 (a PAGE field)."""
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(p.add_run("— "), SONGTI, 14)
    run = p.add_run()
    _fonts(run, SONGTI, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _fonts(p.add_run(" —"), SONGTI, 14)


def _table(
    doc, head: list[str], rows: list[list[str]], widths_mm: list[float] | None = None
) -> None:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = widths_mm is None
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(cell.paragraphs[0].add_run(text), HEITI, TABLE_PT)
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            _fonts(cell.paragraphs[0].add_run(str(text)), FANGSONG, TABLE_PT)
    for i, row in enumerate(table.rows):  # rows stay whole; the header repeats on each page
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
    if widths_mm:
        # the table's own width too: LibreOffice (the PDF) sizes columns from it and the grid
        tbl_pr = table._tbl.tblPr
        tbl_w = tbl_pr.find(qn("w:tblW"))
        if tbl_w is None:
            tbl_w = OxmlElement("w:tblW")
            tbl_pr.append(tbl_w)
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(round(sum(widths_mm) / 25.4 * 1440)))
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)


def _num(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _pct(x: float | None) -> str:
    return f"{x:.1%}" if x is not None else "—"


def problems(b) -> list[tuple[str, str, str]]:
    """What the period's figures show needs doing: (heading, finding, request) each."""
    ranked = [c for c in b.cities if c.rank is not None]

    def names(cs) -> str:
        return "、".join(c.node.name.replace("政务云节点", "") for c in cs)

    out = []
    slow = [c for c in ranked if (c.migration_rate or 0) < 0.5]
    idle = [c for c in ranked if (c.utilization or 0) < 0.6]
    blind = [c for c in ranked if (c.completeness or 0) < 0.95]
    late = [c for c in ranked if c.security_on_time is False]
    if slow:
        out.append(("业务系统迁移上云进度", f"{names(slow)}迁移率低于50%。",
                    "请加快推进本地业务系统迁移上云，按月报送迁移计划。"))  # fmt: skip
    if idle:
        out.append(("云资源使用效率", f"{names(idle)}云资源整体使用率低于60%。",
                    "请统筹已分配资源，回收闲置资源，提高资源使用效率。"))  # fmt: skip
    if blind:
        out.append(("监测数据完整性", f"{names(blind)}评估期内数据完整率低于95%，缺数时段未计入可用率。",
                    "请服务方排查采集链路，保障监测数据按时上报。"))  # fmt: skip
    if late:
        out.append(("安全运营平台", f"{names(late)}未在上线后6个月内完成安全运营平台部署。",
                    "请尽快完成部署并与省平台对接。"))  # fmt: skip
    if not out:
        out.append(
            (
                "总体",
                "各地市节点迁移率、云资源整体使用率和安全运营平台均达到方案要求。",
                "请继续保持。",
            )
        )
    return out


def write_docx(b, path, masthead: Masthead | None = None, issued: date | None = None) -> None:
    """The bulletin as a GB/T 9704 document (b: wall.bulletin.Bulletin)."""
    m = masthead or Masthead()
    issued = issued or b.generated_at.astimezone(CHINA).date()
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    _page_number_footer(section)

    # 版头: the red issuing-body mark, the number, the red line
    # the mark as large as one line of the 156 mm type area allows (about 30 pt for 14 characters)
    mark_pt = min(36, int(156 / 0.3528 / max(len(m.mark), 1)))
    _para(doc, m.mark, XBS, mark_pt, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, color=RED)
    _para(doc, indent=False)
    number = _para(doc, m.number.format(year=issued.year), FANGSONG, BODY_PT,
                   align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)  # fmt: skip
    _bottom_border(number)
    _para(doc, indent=False)
    # 主体
    _para(doc, f"关于{b.period.title}全省政务云建设与使用情况的通报", XBS, TITLE_PT,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)  # fmt: skip
    _para(doc, indent=False)
    _para(doc, "各地级以上市政务服务数据管理局，省数字政府建设运营中心：", indent=False)
    ranked = [c for c in b.cities if c.rank is not None]
    live = len(ranked)
    _para(doc, f"根据《广东“数字政府”政务云平台部署实施方案》（粤办函〔2019〕288号）关于适时通报评估结果的要求，"
               f"现将{b.period.title}全省政务云建设、资源使用和业务系统迁移上云情况通报如下。")  # fmt: skip

    # headings stay on the page of what follows them
    def heading(n: int, text: str) -> None:  # 一、 in 黑体
        _para(
            doc, f"{CN_NUM[n - 1]}、{text}", HEITI, BODY_PT
        ).paragraph_format.keep_with_next = True

    def subheading(n: int, text: str) -> None:  # （一） in 楷体
        _para(
            doc, f"（{CN_NUM[n - 1]}）{text}", KAITI, BODY_PT
        ).paragraph_format.keep_with_next = True

    def item(n: int, text: str, rest: str = "", keep: bool = False) -> None:  # 1. in 仿宋
        p = _para(doc, f"{n}.{text}", FANGSONG, BODY_PT, bold=True)
        p.paragraph_format.keep_with_next = keep
        if rest:
            _fonts(p.add_run(rest), FANGSONG, BODY_PT)

    heading(1, "总体情况")
    best = "、".join(c.node.name for c in ranked[:3]) or "—"
    _para(doc, f"评估期末，14个省统筹地市节点中已上线{live}个。综合得分前三名为：{best}。")
    heading(2, "省级平台建设与迁移上云进展")
    subheading(1, "对照方案目标")
    _table(doc, PROVINCE_HEAD, [list(r) for r in b.province], [44, 18, 22, 20, 18, 34])
    if b.departments:
        subheading(2, "省级部门业务系统迁移上云（按部门）")
        _table(doc, DEPARTMENT_HEAD, [[str(x) for x in r] for r in b.departments], [60, 32, 32, 32])
    heading(3, "实施计划里程碑完成情况")
    _para(doc, "以方案附件（实施计划）各项任务判定状态；实施步骤（三）所列时间节点与工作目标一并列出，"
               "供对照。").paragraph_format.keep_with_next = True  # fmt: skip
    _table(doc, MILESTONE_HEAD, [list(r) for r in b.milestones], [10, 40, 18, 18, 14, 20, 18, 18])
    heading(4, "地市节点评估得分与排名")
    subheading(1, "评估结果")
    _table(
        doc,
        ["排名", "节点", "得分", "迁移率", "资源使用率", "可用率", "外网可用率", "安全平台"],
        [[str(c.rank or "—"), c.node.name, f"{c.score:.1f}" if c.score is not None else "未上线",
          _pct(c.migration_rate), _pct(c.utilization), _pct(c.availability),
          _pct(c.network_availability),
          {True: "按期", False: "逾期", None: "未到期"}[c.security_on_time]] for c in b.cities],
        [12, 40, 15, 18, 22, 18, 20, 18],
    )  # fmt: skip
    import io

    from wall.bulletin import charts as bulletin_charts

    for picture in (bulletin_charts.score_map(b), bulletin_charts.score_bars(b)):
        doc.add_picture(io.BytesIO(picture), width=Mm(150))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    subheading(2, "各节点评分明细")
    for n, c in enumerate(ranked, start=1):
        item(n, c.node.name, f"：第{c.rank}名，综合得分{c.score:.1f}分。", keep=True)
        year = (
            "上线未满一年"
            if c.year_met is None
            else f"上线满一年（{c.year_due.year}年{c.year_due.month}月{c.year_due.day}日）前30天迁移率"
            f"{_pct(c.year_rate)}、云资源整体使用率{_pct(c.year_utilization)}，{'达标' if c.year_met else '未达标'}"
        )
        security = {True: "已按期部署", False: "未按期部署", None: "尚未到期"}[c.security_on_time]
        _para(doc, f"（1）迁移率{_pct(c.migration_rate)}；（2）云资源整体使用率{_pct(c.utilization)}，"
                   f"CPU实测利用率{_pct(c.cpu_util)}；（3）可用率{_pct(c.availability)}，数据完整率"
                   f"{_pct(c.completeness)}；（4）安全运营平台{security}；（5）{year}。")  # fmt: skip
    unranked = [c.node.name for c in b.cities if c.rank is None]
    if unranked:
        _para(doc, f"{'、'.join(unranked)}评估期末尚未上线，不参与排名。")
    heading(5, "珠三角自建云对接情况")
    _table(doc, PRD_HEAD, [list(r) for r in b.prd], [22, 16, 18, 18, 14, 18, 18, 14, 18])
    heading(6, "服务质量")
    _para(
        doc,
        "按服务方统计评估期内已上线节点的可用率、数据完整率、停机时长、中断次数和安全事件"
        "（结算依据；无数据时段不计为停机），未结高危为评估期末仍未关闭的高危事件；"
        "中、低危事件数见数据附件（Excel）。",
    ).paragraph_format.keep_with_next = True
    _table(
        doc,
        ["服务方", "可用率", "完整率", "停机(时)", "中断", "未结高危", "高危事件"],
        [[q.provider, _pct(q.availability), _pct(q.completeness), _num(q.downtime_h, 1), _num(q.outages),
          _num(q.open_high), _num(q.events.get("high", 0))] for q in b.quality],
        [50, 20, 20, 18, 14, 16, 18],
    )  # fmt: skip
    n = 6
    for _, title, head, rows in b.sections:  # registered sections, each its own heading
        n += 1
        heading(n, title)
        _table(doc, head, [["" if x is None else str(x) for x in r] for r in rows],
               [156 // max(len(head), 1)] * len(head))  # fmt: skip
    heading(n + 1, "问题与建议")
    for k, (title, found, ask) in enumerate(problems(b), start=1):
        subheading(k, title)
        _para(doc, f"{found}{ask}")
    heading(n + 2, "计算方法")
    from wall.bulletin.evaluation import FORMULAS

    for n, (name, formula) in enumerate(FORMULAS, start=1):
        item(n, name, f"：{formula}。")
    # 落款 and date in Arabic numerals
    _para(doc, indent=False)
    _para(doc, m.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _para(
        doc,
        f"{issued.year}年{issued.month}月{issued.day}日",
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent=False,
    )
    # 版记: 抄送, 印发机关 and date, between lines
    _para(doc, indent=False)
    copy_to = _para(doc, f"抄送：{m.copy_to}", FANGSONG, 14, indent=False)
    _bottom_border(copy_to, "000000", 4)
    printed = _para(doc, f"{m.printed_by}", FANGSONG, 14, indent=False)
    _fonts(printed.add_run(f"\t{issued.year}年{issued.month}月{issued.day}日印发"), FANGSONG, 14)
    _bottom_border(printed, "000000", 8)
    doc.core_properties.title = f"全省政务云建设与使用情况通报 {b.period.label}"
    doc.save(path)
