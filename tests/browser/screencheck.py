"""What a person at the back of the room would notice: content cut off, text too small."""

SIZES = [(1920, 1080), (3840, 2160), (5760, 1620)]

# every visible element whose content is cut off, and the smallest visible font size
CHECK = """() => {
  const doc = document.documentElement;
  const cut = [];
  let smallest = 1e9;
  const boxes = '.screen.active .panel, .screen.active .panel-body, .screen.active .tile, .wall-header';
  // cut short by an ellipsis or squeezed: tiles' lines, the node cards' names, and
  // everything in the header
  const lines = '.screen.active .tile > div, .screen.active .tile span, .screen.active .node-name, '
    + '.wall-header > *, .title-block > *';
  for (const el of document.querySelectorAll(boxes + ', ' + lines)) {
    const tall = el.matches(boxes) && el.scrollHeight > el.clientHeight + 2;
    if (tall || el.scrollWidth > el.clientWidth + 2) {
      cut.push((el.id || el.className) + ` ${el.scrollWidth}x${el.scrollHeight}>${el.clientWidth}x${el.clientHeight}`);
    }
  }
  // an alert's row: its mark and since-when whole inside it (its text may end in an ellipsis)
  for (const row of document.querySelectorAll('.screen.active .alert')) {
    const box = row.getBoundingClientRect();
    for (const part of row.children) {
      if (part.getBoundingClientRect().right > box.right + 1) {
        cut.push(`${row.className}: ${part.className || part.tagName} past the row's end`);
      }
    }
  }
  // every visible text, the map's SVG labels, legend and markers' names included (hover
  // labels excepted: they are read up close)
  let smallestText = '';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    if (el.closest('.hoverlayer')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < smallest) { smallest = size; smallestText = walker.currentNode.textContent.trim().slice(0, 30); }
  }
  return {page: [doc.scrollWidth, doc.scrollHeight, innerWidth, innerHeight], cut, smallest, smallestText};
}"""

# each map label on show: its text, its colour and size, and the fill of the city polygon
# under its anchor (the middle of the label, where plotly centres it on the city)
MAP_LABELS = """() => {
  const paths = Array.from(document.querySelectorAll('.screen.active .map-graph path.choroplethlocation'));
  const out = [];
  for (const t of document.querySelectorAll('.screen.active .map-graph .trace.scattergeo text')) {
    const r = t.getBoundingClientRect();
    if (!r.width) continue;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const under = paths.find(p => {
      const local = new DOMPoint(x, y).matrixTransform(p.getScreenCTM().inverse());
      return p.isPointInFill(local);
    });
    out.push({text: t.textContent, fg: getComputedStyle(t).fill, size: parseFloat(getComputedStyle(t).fontSize),
              bg: under ? getComputedStyle(under).fill : getComputedStyle(t.closest('.panel')).backgroundColor,
              box: [r.left, r.top, r.right, r.bottom]});
  }
  return out;
}"""


def overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    """The pairs of map labels whose boxes overlap by more than a pixel each way."""
    pairs = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            (al, at, ar, ab), (bl, bt, br, bb) = a["box"], b["box"]
            if min(ar, br) - max(al, bl) > 1 and min(ab, bb) - max(at, bt) > 1:
                pairs.append((a["text"], b["text"]))
    return pairs


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb() colours (an rgba background is taken as drawn
    over the wall's own dark background)."""

    def channels(css: str) -> list[float]:
        values = [float(v) for v in css[css.index("(") + 1 : -1].split(",")]
        if len(values) == 4:  # over the page's background, #07121f
            alpha = values[3]
            values = [
                v * alpha + b * (1 - alpha) for v, b in zip(values, (7, 18, 31), strict=False)
            ]
        return values[:3]

    def luminance(css: str) -> float:
        def linear(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(c) for c in channels(css))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
