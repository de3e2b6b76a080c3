// The screen this tab last drew, shown at once while the page loads again (the wall's own
// reload every few hours or when its layouts change, or F5), until the live screen has drawn
// its map (wall.js then removes it) and for 5 s at most: it never stands in for a page that
// fails to load. wall.js keeps it in the tab's sessionStorage (as refreshes land), with the
// session that drew it, the address and the window's size; it is shown once, only to the same
// session, at the same address and size, and within two minutes. It sits in a closed shadow root:
// nothing of the page, its scripts or its tests finds its copies of the screen's elements.
(function () {
  const KEY = "gdwall_last_screen";
  const me = document.currentScript;
  let kept = null;
  try { kept = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { kept = null; }
  sessionStorage.removeItem(KEY);
  if (!kept || !me || kept.viewer !== me.dataset.viewer || kept.href !== location.href ||
      kept.w !== window.innerWidth || kept.h !== window.innerHeight ||
      !(Date.now() - kept.t < 120e3)) {
    return;
  }
  const host = document.createElement("div");
  host.id = "last-screen";
  host.setAttribute("aria-hidden", "true");
  host.style.cssText = "position:fixed;inset:0;z-index:50;pointer-events:none;contain:strict";
  const shadow = host.attachShadow({mode: "closed"});
  try {  // the page's rules as they were, styled at once (a <link> would load after a paint)
    shadow.adoptedStyleSheets = kept.styles.map(style => {
      const sheet = new CSSStyleSheet(style.href ? {baseURL: style.href} : {});
      sheet.replaceSync(style.text);
      return sheet;
    });
  } catch (e) {
    return;
  }
  const screen = document.createElement("div");
  screen.style.height = "100%";
  screen.innerHTML = kept.html;
  shadow.appendChild(screen);
  document.body.appendChild(host);
  setTimeout(() => host.remove(), 5000);
})();
