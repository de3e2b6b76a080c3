/* The wall's browser side: clock, carousel and refresh pacing, all without the server.
   A refresh is asked for only when the previous one has landed (or timed out), so a slow
   store never piles requests up, and the clock keeps ticking whatever the server does. */
const PACE_MS = 250;  // ▶ 回放: four frames a second at most

// ▶ 回放's state, shared by its callback and the frame watcher: frames shown (and ms from
// asked to shown)
function replayState() {
  const w = window.gdwall = window.gdwall || {};
  return w.replay = w.replay || {frames: [], took: [], shownAt: []};
}
function replayAsk(at) {
  // the frame of a day, and the day after it for the server to read ahead while this one
  // is drawn (the server's time off the frame's critical path)
  const r = replayState();
  replayWatch();
  const now = Date.now();
  // the player's clock: the next frame is due a quarter of a second after this one was due,
  // so a frame asked late is followed by a shorter wait (four a second on average, not four
  // a second less every delay); more than a frame behind (a slow answer), it starts afresh
  // rather than asking a burst
  r.due = r.playing && r.due !== undefined && r.due > now - PACE_MS ? r.due + PACE_MS
    : now + PACE_MS;
  r.at = at; r.sent = at; r.asked = now;
  const next = r.playing && at < r.to ? replayNext(r) : null;
  const asked = next ? {at: at, next: next} : {at: at};
  // a replay starting: its last day read ahead too, and with it the history (each year's
  // daily tables, each city's first year) its frames look up, before they reach it
  return next && at === r.from && r.to > next ? Object.assign(asked, {last: r.to}) : asked;
}
function replayIso(d) { return d.toISOString().slice(0, 10); }
function replayNext(r) {
  const d = new Date(r.at + "T00:00:00Z");
  d.setUTCDate(d.getUTCDate() + r.step);
  return replayIso(d) > r.to ? r.to : replayIso(d);
}
function replayDay(text, end) {  // 2019-06 (its first day, or its last) or 2019-06-15
  if (/^\d{4}-\d{2}$/.test(text)) {
    const [y, m] = text.split("-").map(Number);
    return replayIso(new Date(Date.UTC(y, end ? m : m - 1, end ? 0 : 1)));
  }
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null;
}
function replayCn(d) { return `${+d.slice(0, 4)}年${+d.slice(5, 7)}月${+d.slice(8, 10)}日`; }
function replayLabel(playing) { return playing ? "‖ 暂停" : "▶ 回放"; }

// A frame is on screen when its day is: the server's answer writes the day over the map
// (.replay-day), and a watcher of that text, not a Dash callback, counts the frame and asks
// for the next. Each callback run makes dash-renderer revisit every component of the page
// about ten times (its queues and loading states), which cost the browser more than
// drawing the frame; the date control likewise is told only when the replay stops, and
// shows the frames' days meanwhile without telling the page.
function replayWatch() {
  for (const el of document.querySelectorAll(".replay-day")) {
    if (el.wallWatched) { continue; }
    el.wallWatched = true;
    new MutationObserver(() => replayOnScreen(el.textContent)).observe(
      el, {childList: true, characterData: true, subtree: true});
  }
}
function replayOnScreen(text) {
  const r = replayState();
  if (!r.sent || text !== replayCn(r.sent) || r.frames[r.frames.length - 1] === r.sent) {
    return;
  }
  r.frames.push(r.sent); r.took.push(Date.now() - r.asked); r.shownAt.push(Date.now());
  r.shown = r.sent;
  if (r.sent >= r.to) { r.playing = false; }
  const picker = document.getElementById("asof-pick");
  if (r.playing) {
    if (picker) { picker.value = replayCn(r.sent); }  // drawn only: the page is not told
    const frame = r.sent;
    // the next frame when the player's clock says (four a second), or at once if this one
    // took longer, so none is skipped on a slow server
    setTimeout(() => {
      if (r.playing && r.sent === frame) {
        window.dash_clientside.set_props("wall-replay", {data: replayAsk(replayNext(r))});
      }
    }, Math.max(0, r.due - Date.now()));
  } else {
    replayStopped(r);
  }
}
function replayStopped(r) {  // paused, stepped or at its end: the controls say where it is
  window.dash_clientside.set_props("replay-play", {children: replayLabel(r.playing)});
  if (r.shown) { window.dash_clientside.set_props("asof-pick", {date: r.shown}); }
}

// The map's labels, kept apart: plotly puts each city's name at its label point, and in the
// Pearl River Delta seven of them fall within an inch of each other (东莞 over 广州 and 深圳,
// 中山 over 珠海), at any screen size. After every drawing, labels that overlap are pushed
// apart, each of a pair half the way along the axis they overlap least on, until none does:
// every label moves as little as the crowd needs, and the provincial centres' names, under
// their marks, do not move.
function declutterMap(gd) {
  const texts = Array.from(gd.querySelectorAll(".scattergeo text"))
    .filter(t => t.textContent.trim());
  // plotly places a label by its transform: measured from plotly's own place (the one last
  // set here undone, unless plotly has placed the label anew since)
  for (const t of texts) {
    const current = t.getAttribute("transform") || "";
    const base = current === t.dataset.wallSet ? t.dataset.wallBase : current;
    t.dataset.wallBase = base;
    t.dataset.wallSet = base;
    t.setAttribute("transform", base);
  }
  const frame = gd.getBoundingClientRect();
  const labels = texts.map(t => {
    const r = t.getBoundingClientRect();
    const pad = Math.max(2, r.height * 0.06);
    return {t, l: r.left - pad, r: r.right + pad, top: r.top - pad, b: r.bottom + pad,
            dx: 0, dy: 0, fixed: !!t.closest(".trace").querySelector(".point")};
  }).filter(a => a.r - a.l > 4);
  for (let round = 0; round < 200; round++) {
    let crowded = false;
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i], b = labels[j];
        if (a.fixed && b.fixed) { continue; }
        const ox = Math.min(a.r + a.dx, b.r + b.dx) - Math.max(a.l + a.dx, b.l + b.dx);
        const oy = Math.min(a.b + a.dy, b.b + b.dy) - Math.max(a.top + a.dy, b.top + b.dy);
        if (ox <= 0.5 || oy <= 0.5) { continue; }
        crowded = true;
        const [ka, kb] = a.fixed ? [0, 1] : b.fixed ? [1, 0] : [0.5, 0.5];
        if (ox < oy) {
          const dir = (a.l + a.r + 2 * a.dx) >= (b.l + b.r + 2 * b.dx) ? 1 : -1;
          a.dx += dir * ox * ka; b.dx -= dir * ox * kb;
        } else {
          const dir = (a.top + a.b + 2 * a.dy) >= (b.top + b.b + 2 * b.dy) ? 1 : -1;
          a.dy += dir * oy * ka; b.dy -= dir * oy * kb;
        }
      }
    }
    for (const a of labels) {  // never out of the map's frame
      a.dx = Math.min(Math.max(a.dx, frame.left - a.l), frame.right - a.r);
      a.dy = Math.min(Math.max(a.dy, frame.top - a.top), frame.bottom - a.b);
    }
    if (!crowded) { break; }
  }
  for (const a of labels) {
    if (Math.abs(a.dx) + Math.abs(a.dy) < 0.5) { continue; }
    a.t.dataset.wallSet = `${a.t.dataset.wallBase} translate(${a.dx.toFixed(1)},${a.dy.toFixed(1)})`;
    a.t.setAttribute("transform", a.t.dataset.wallSet);
  }
}

function screenUnit() {  // the wall's unit in px (CSS --unit), to a hundredth; kept for the
  // server, which sends the next page's map sized for it (gdmap.sized)
  const probe = document.querySelector(".unit-probe");
  const unit = probe ? Math.round(probe.getBoundingClientRect().width * 100) / 100 : 0;
  if (unit) {
    document.cookie = `gdwall_unit=${unit}; Path=/; Max-Age=31536000; SameSite=Strict` +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  return unit;
}

function mapsDrawn() {  // once the wall's maps are on the page: their labels kept apart, the
  // window's size watched, and the maps rescaled if they were sent for another unit
  const gds = Array.from(document.querySelectorAll(".map-graph"), b => b.querySelector(".js-plotly-plot"));
  if (!gds.length || gds.some(gd => !gd || !gd.on || !gd.layout)) { return false; }
  watchMapLabels();
  let pending = null;
  const resized = () => window.dash_clientside.set_props(
    "wall-size", {data: [window.innerWidth, window.innerHeight]});
  window.addEventListener("resize", () => { clearTimeout(pending); pending = setTimeout(resized, 200); });
  const unit = screenUnit();
  if (gds.some(gd => ((gd.layout || {}).meta || {}).unit !== unit)) { resized(); }
  return true;
}

(function awaitMaps() {  // on the wall's page (the app's root), as the renderer draws it
  const root = document.getElementById("react-entry-point");
  const config = document.getElementById("_dash-config");
  if (!root || !config || location.pathname !== JSON.parse(config.textContent).requests_pathname_prefix) {
    return;
  }
  const seen = new MutationObserver(() => { if (mapsDrawn()) { seen.disconnect(); } });
  seen.observe(root, {childList: true, subtree: true});
})();

const RELOAD_ASK_MS = 5000;

function dropLastScreen() {  // what assets/early/last-screen.js shows while the page loads
  const shown = document.getElementById("last-screen");
  if (shown) { shown.remove(); }
}

// Loads the page again once its server answers for it: reloaded while the server is down (a
// restart, the extranet cut), the screen would be left on the browser's own error page, which
// nothing of the wall's reloads. Asked at most every 5 s; a page that answers with the sign-in
// form (a session ended) is reloaded too, and shows it.
function reloadWhenServed() {
  const w = window.gdwall = window.gdwall || {};
  const now = Date.now();
  if (w.reloadAsked && now - w.reloadAsked < RELOAD_ASK_MS) { return; }
  w.reloadAsked = now;
  fetch(window.location.href, {method: "HEAD", cache: "no-store", credentials: "same-origin"})
    .then(answer => { if (answer.ok) { window.location.reload(); } })
    .catch(() => {});
}

// A page whose layout or callback list did not arrive (a server restarting under a deploy, a
// proxy's 502) shows Dash's "Error loading layout" for good, and a screen on the wall must
// heal itself: it says so in Chinese (wall.css) and loads the page again, waiting 5 s, then
// twice as long each time up to 2 minutes; a page that arrives starts the count afresh.
const RETRIES = "gdwall_load_retries";
(function retryFailedLoad() {
  const root = document.getElementById("react-entry-point");
  if (!root) { return; }
  const look = new MutationObserver(() => {
    const first = root.firstElementChild;
    if (!first || first.classList.contains("_dash-loading")) { return; }
    look.disconnect();
    if (!first.classList.contains("_dash-error")) { sessionStorage.removeItem(RETRIES); return; }
    dropLastScreen();  // the last screen gives way to the error
    const n = Number(sessionStorage.getItem(RETRIES) || 0);
    const wait = Math.min(5 * 2 ** n, 120);
    sessionStorage.setItem(RETRIES, String(n + 1));
    first.setAttribute("data-retry", `${wait} 秒后自动重试`);
    setTimeout(() => { reloadWhenServed(); setInterval(reloadWhenServed, RELOAD_ASK_MS); }, wait * 1000);
  });
  // the renderer turns its loading box into the error box: the same element, another class
  look.observe(root, {childList: true, subtree: true, attributeFilter: ["class"]});
})();

// The wall's screen, kept in the tab for the next load of the same address
// (assets/early/last-screen.js shows it until the live screen has drawn its map, then this
// removes it): once the live screen is drawn and as refreshes land, at most every 15 s, in
// the browser's idle time (kept as the page is left, it lengthened every reload by 30-80 ms).
// Kept only while the screen shown is the one the page opens on (the carousel turns), and
// dropped when the page is left by signing out.
const LAST_SCREEN = "gdwall_last_screen";
const KEEP_EVERY_MS = 15000;
function liveMapDrawn(root) {
  return !!root.querySelector(".screen.active .map-graph path.choroplethlocation");
}
(function keepLastScreen() {
  const root = document.getElementById("react-entry-point");
  const me = document.getElementById("last-screen-script");  // on the wall's page only
  // a replay's frames are not what its address opens on
  if (!root || !me || new URLSearchParams(window.location.search).has("replay")) { return; }
  let openedOn = null;
  let signingOut = false;
  let keptAt = 0;
  // the stylesheets' own text: Chromium writes a rule whose shorthand holds a var() followed
  // by a longhand (wall.css's .tile border) back as empty longhands, which style nothing
  const written = {};
  function keep() {
    const active = root.querySelector(".screen.active");
    if (signingOut || !openedOn || !active || active.id !== openedOn || !liveMapDrawn(root)) {
      return;
    }
    // wall.css and Dash's sheets as written; plotly's rules as inserted into its style element
    const styles = Array.from(document.styleSheets, sheet => sheet.href
      ? {href: sheet.href, text: written[sheet.href]}
      : {href: null, text: Array.from(sheet.cssRules, rule => rule.cssText).join("\n")});
    if (styles.some(s => typeof s.text !== "string")) { return; }  // a sheet not read: not kept
    keptAt = Date.now();
    try {
      sessionStorage.setItem(LAST_SCREEN, JSON.stringify({
        viewer: me.dataset.viewer, href: window.location.href, t: keptAt,
        w: window.innerWidth, h: window.innerHeight, styles, html: root.innerHTML,
      }));
    } catch (e) { /* no room in the tab's storage: nothing kept */ }
  }
  function keepSoon() {
    if (Date.now() - keptAt < KEEP_EVERY_MS) { return; }
    keptAt = Date.now();  // asked: not asked again before it is done
    const idle = window.requestIdleCallback || (task => setTimeout(task, 1000));  // not in Safari
    idle(() => { keptAt = 0; keep(); }, {timeout: 5000});
  }
  const look = new MutationObserver(() => {
    if (!liveMapDrawn(root)) { return; }
    look.disconnect();
    openedOn = root.querySelector(".screen.active").id;
    dropLastScreen();
    const reads = Array.from(document.styleSheets, sheet => !sheet.href ? null
      : fetch(sheet.href).then(r => (r.ok ? r.text() : null))
        .then(text => { written[sheet.href] = text; }).catch(() => {}));
    Promise.all(reads).then(keepSoon);
  });
  look.observe(root, {childList: true, subtree: true});
  document.addEventListener("submit", () => {
    signingOut = true;
    sessionStorage.removeItem(LAST_SCREEN);
  });
  const w = window.gdwall = window.gdwall || {};
  w.keepLastScreen = keepSoon;  // pace(): a refresh has landed
})();

function watchMapLabels() {  // every map, once plotly has drawn it (looked for until then)
  let waiting = false;
  for (const box of document.querySelectorAll(".map-graph")) {
    const gd = box.querySelector(".js-plotly-plot");
    if (!gd || !gd.on) { waiting = true; continue; }
    if (gd.wallDeclutter) { continue; }
    gd.wallDeclutter = true;
    gd.on("plotly_afterplot", () => declutterMap(gd));
    declutterMap(gd);
  }
  const w = window.gdwall = window.gdwall || {};
  clearTimeout(w.mapsAwaited);
  if (waiting) { w.mapsAwaited = setTimeout(watchMapLabels, 500); }
}

window.dash_clientside = Object.assign({}, window.dash_clientside, {
  wall: {
    schedule: function (n, search, config, current) {
      const nu = window.dash_clientside.no_update;
      if (!config) { return [nu, nu, nu]; }
      const params = new URLSearchParams(search || "");
      const ids = config.screens.map(s => s.id);
      let active = params.get("screen");
      if (!ids.includes(active)) {
        const rotating = config.screens.filter(s => s.dwell_ms > 0);
        if (!rotating.length) { active = ids[0]; }
        else {
          // from the wall clock, so every screen in the room shows the same thing
          const cycle = rotating.reduce((a, s) => a + s.dwell_ms, 0);
          let t = Date.now() % cycle;
          active = rotating[rotating.length - 1].id;
          for (const s of rotating) { if (t < s.dwell_ms) { active = s.id; break; } t -= s.dwell_ms; }
        }
      }
      const w = window.gdwall = window.gdwall || {};
      if (w.screen === active) { return [nu, nu, nu]; }
      const title = config.screens.find(s => s.id === active).title;
      if (w.screen === undefined && current === active) {
        w.screen = active;  // the page arrived showing it: nothing to switch, nothing to fetch
        return [nu, nu, title];
      }
      w.screen = active;
      return [active, ids.map(id => id === active ? "screen active" : "screen"), title];
    },
    asof: function (search, picked, live) {
      const nu = window.dash_clientside.no_update;
      const ctx = window.dash_clientside.callback_context;
      const fired = (ctx.triggered || []).map(t => t.prop_id);
      const params = new URLSearchParams(search || "");
      const current = params.get("asof") || "";
      const replayed = ((window.gdwall || {}).replay || {}).shown;
      if (fired.includes("asof-pick.date") && (!picked || picked === replayed)) {
        // the control following a replayed frame: the replay goes on; or emptied, which no
        // one can do by hand (it is not clearable; 实时 goes back to now): the picker
        // mounting empties it while the URL's day is on its way, and the page must stay
        // on that day, its day back in the control
        return [nu, !picked && current ? current : nu];
      }
      if (fired.includes("asof-live.n_clicks") || fired.includes("asof-pick.date")) {
        const want = fired.includes("asof-live.n_clicks") ? "" : (picked || "");
        if (want === current) { return [nu, want || null]; }
        if (want) { params.set("asof", want); } else { params.delete("asof"); }
        const query = params.toString();
        return [query ? "?" + query : "", want || null];
      }
      return [nu, current === (picked || "") ? nu : (current || null)];  // the URL changed: show its date
    },
    replay: function (play, step, search, config) {
      // ▶ 回放: the wall as of one day after another (a week a step, or ?step=day), linked as
      // ?replay=2019-06..2020-12 (months or days). The frames are the server's as-of views;
      // this callback starts, pauses and steps them, replayLanded paces them.
      const nu = window.dash_clientside.no_update;
      const ctx = window.dash_clientside.callback_context;
      const days = ctx.outputs_list[2] || [];
      const out = (a, b, d) => [a, b, days.map(() => d === undefined ? nu : d)];
      const fired = (ctx.triggered || []).map(t => t.prop_id);
      const params = new URLSearchParams(search || "");
      const r = replayState();
      if (!r.ready && config && config.replay) {
        r.ready = true;
        r.from = config.replay.from; r.to = config.replay.to;
        r.step = params.get("step") === "day" ? 1 : 7;
        const linked = (params.get("replay") || "").split("..");
        if (linked.length === 2 && replayDay(linked[0], false) && replayDay(linked[1], true)) {
          r.from = replayDay(linked[0], false); r.to = replayDay(linked[1], true);
          r.playing = true;
          return out(replayAsk(r.from), replayLabel(true));
        }
      }
      if (!r.ready) { return out(nu, nu); }
      if (fired.includes("wall-url.search")) {  // a day picked or 实时: the replay gives way
        if (params.get("replay") || r.at === undefined) { return out(nu, nu); }
        r.playing = false; r.at = undefined; r.shown = undefined; r.sent = undefined;
        return out(null, replayLabel(false), "");
      }
      if (fired.includes("replay-play.n_clicks")) {
        r.playing = !r.playing;
        if (r.playing && (r.at === undefined || r.at >= r.to)) {
          r.frames = []; r.took = []; r.shownAt = [];
          return out(replayAsk(r.from), replayLabel(true));
        }
        if (!r.playing && r.shown) {  // paused: the date control shows the day on screen
          window.dash_clientside.set_props("asof-pick", {date: r.shown});
        }
        // resumed: the next frame now if the last one is on screen, else once it lands
        const onScreen = r.playing && r.frames[r.frames.length - 1] === r.sent;
        return out(onScreen ? replayAsk(replayNext(r)) : nu, replayLabel(r.playing));
      }
      if (fired.includes("replay-step.n_clicks")) {
        r.playing = false;
        return out(replayAsk(r.at === undefined ? r.from : replayNext(r)), replayLabel(false));
      }
      return out(nu, nu);
    },
    replayLink: function (link, search, config) {  // ?replay=…: started as the page opens
      return window.dash_clientside.wall.replay(undefined, undefined, search, config);
    },
    scaleMap: function (size, figures) {
      // the map's texts and markers in multiples of the screen's unit (trace `meta`, set by
      // wall/web/panels/gdmap.py), as every other text of the wall: plotly takes pixels.
      // The server sends the map sized for the unit this browser last measured (a cookie);
      // run when the window's size changes, or when the page opens on a screen whose unit
      // is another (mapsDrawn), never by the clock: a callback a second costs the renderer a
      // visit of every component, all day
      const nu = window.dash_clientside.no_update;
      const unit = screenUnit();
      if (!figures || !unit) { return (figures || []).map(() => nu); }
      const px = k => Math.round(unit * k * 10) / 10;
      return figures.map(fig => {
        if (!fig || !fig.data) { return nu; }
        let changed = false;
        const data = fig.data.map(t => {
          if (!t.meta) { return t; }
          const out = Object.assign({}, t);
          if (t.meta.text && (t.textfont || {}).size !== px(t.meta.text)) {
            out.textfont = Object.assign({}, t.textfont, {size: px(t.meta.text)});
            changed = true;
          }
          if (t.meta.marker && (t.marker || {}).size !== px(t.meta.marker)) {
            out.marker = Object.assign({}, t.marker, {size: px(t.meta.marker)});
            changed = true;
          }
          return out;
        });
        const layout = Object.assign({}, fig.layout);
        const k = (layout.meta || {}).annotation_text;
        if (k && (layout.annotations || []).some(a => (a.font || {}).size !== px(k))) {
          layout.annotations = layout.annotations.map(
            a => Object.assign({}, a, {font: Object.assign({}, a.font, {size: px(k)})}));
          changed = true;
        }
        layout.meta = Object.assign({}, layout.meta, {unit: unit});
        return changed ? Object.assign({}, fig, {data: data, layout: layout}) : nu;
      });
    },
    openNode: function (clicks, search) {
      const click = (clicks || []).find(c => c && c.points && c.points.length);
      const node = click && click.points[0].customdata;
      if (!node) { return window.dash_clientside.no_update; }
      const asof = new URLSearchParams(search || "").get("asof");
      window.location.assign("/node/" + encodeURIComponent(node) + (asof ? "?asof=" + asof : ""));
      return node;
    },
    compareNodes: function (nodes, search) {
      const params = new URLSearchParams(search || "");
      const want = (nodes || []).join(",");
      if (!want || want === (params.get("nodes") || "")) { return window.dash_clientside.no_update; }
      params.set("nodes", want);
      return "?" + params.toString();
    },
    customRange: function (n, first, last, search) {
      const params = new URLSearchParams(search || "");
      // a redrawn page brings a new, unclicked button: only a click asks for the range
      if (!n || !first || !last) { return window.dash_clientside.no_update; }
      params.set("range", "custom");
      params.set("from", first);
      params.set("to", last);
      return "?" + params.toString();
    },
    pace: function (n, config, screen, done) {
      const nu = window.dash_clientside.no_update;
      const w = window.gdwall = window.gdwall || {};
      const now = Date.now();
      w.loaded = w.loaded || now;
      const clock = new Date(now + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ");
      if (!config) { return [nu, nu, clock]; }
      // `done` is read as state: an input would close a loop (pace → refresh → pace)
      if (done && done.t !== w.done) {
        w.done = done.t;
        w.inflight = null;
        w.landed = now;
        if (w.keepLastScreen) { w.keepLastScreen(); }
        // the page itself arrived drawn: its first refresh is due one period later
        w.asked = w.asked || now;
        if (done.version && done.version !== config.version) { w.reloadDue = true; }
      }
      if (config.reload_ms && now - w.loaded > config.reload_ms) { w.reloadDue = true; }
      if (w.reloadDue) { reloadWhenServed(); }
      const s = config.screens.find(x => x.id === screen) || config.screens[0];
      let status = "";
      if (w.inflight && now - w.inflight > 2 * s.refresh_ms) {
        status = "⟳ 刷新缓慢 " + Math.round((now - w.inflight) / 1000) + "秒";
      }
      // a replay playing: its frames are the screen's refreshes
      if (replayState().playing) { return [nu, status, clock]; }
      const busy = w.inflight && now - w.inflight < config.timeout_ms;
      if (busy || (w.asked && now - w.asked < s.refresh_ms)) { return [nu, status, clock]; }
      w.inflight = now;
      w.asked = now;
      return [now, status, clock];
    }
  }
});
