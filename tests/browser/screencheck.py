"""What a person at the back of the room would notice: content cut off, text too small."""

SIZES = [(1920, 1080), (3840, 2160), (5760, 1620)]

# every visible element whose content is cut off, and the smallest visible font size
CHECK = """() => {
  const doc = document.documentElement;
  const cut = [];
  let smallest = 1e9;
  const boxes = '.screen.active .panel, .screen.active .panel-body, .screen.active .tile, .wall-header';
  const lines = '.screen.active .tile > div, .screen.active .tile span';  // cut short by an ellipsis
  for (const el of document.querySelectorAll(boxes + ', ' + lines)) {
    const tall = el.matches(boxes) && el.scrollHeight > el.clientHeight + 2;
    if (tall || el.scrollWidth > el.clientWidth + 2) {
      cut.push((el.id || el.className) + ` ${el.scrollWidth}x${el.scrollHeight}>${el.clientWidth}x${el.clientHeight}`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !el.checkVisibility({visibilityProperty: true})) continue;
    if (el.closest('svg')) continue;
    smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize));
  }
  return {page: [doc.scrollWidth, doc.scrollHeight, innerWidth, innerHeight], cut, smallest};
}"""
