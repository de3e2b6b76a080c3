"""Hand-made callback requests, as an attacker writes them: a page's path in any input, the
inputs labelled as the sender likes. Used by the access test (in process) and the penetration
test (against `gdwall serve`); both discover the callbacks from /_dash-dependencies, as the
browser does, and judge a leak by what comes back."""

from __future__ import annotations

# the heading each page carries: what a leak of that page would show
TITLES = {
    "/node/city-meizhou": "node-title",
    "/province": "province-title",
    "/prd": "prd-title",
    "/compare": "compare-title",
    "/alerts": "alerts-title",
    "/bulletins": "bulletins-title",
    "/admin": "admin-title",
}
FORBIDDEN = {
    "screen": list(TITLES),
    "operator": ["/bulletins", "/admin"],
    "evaluator": ["/admin"],
}
USERS = {"operator": "op-user", "evaluator": "ev-user", "admin": "tester"}
TOKEN_LABEL = "指挥中心主屏"
# the same page, spelled as a hand-made request might spell it
LOCATION_PROPS = ("pathname", "search", "href", "hash")
SPELLINGS = ("{p}", "/{p}", "{p}/", "/{p}/", "/.{p}", "{p}?x=1", "/node/..{p}", "{p}#")


def leaked(text: str, role: str) -> list[str]:
    """The forbidden pages whose content an answer carries (by their headings and data)."""
    found = [p for p in FORBIDDEN[role] if TITLES[p] in text]
    # the admin page's tables (a screen's badge shows its own token's label: that is no leak)
    if role != "admin" and any(t in text for t in ("admin-users", "admin-tokens", "admin-audit")):
        found.append("admin data")
    return found


def outputs_of(spec: str):
    multi = spec.startswith("..")
    parts = spec[2:-2].split("...") if multi else [spec]
    out = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        prop = prop.split("@")[0]
        out.append([] if ident.startswith("{") else {"id": ident, "property": prop})
    return out if multi else out[0]


def forged_bodies(dep: dict, path: str) -> list[dict]:
    """Requests for one callback carrying a page's path in each input in turn, labelled as
    registered and labelled as another input (the inputs' order and names are the sender's)."""
    slots = [(i, "inputs") for i in range(len(dep["inputs"]))]
    slots += [(i, "state") for i in range(len(dep["state"]))]
    bodies = []
    # a path matters where the callback reads an address: a Location's properties
    targets = [(i, k) for i, k in slots if dep[k][i]["property"] in LOCATION_PROPS]
    for target in targets:
        for relabel in (False, True):
            body = {"output": dep["output"], "outputs": outputs_of(dep["output"]),
                    "inputs": [], "state": [], "changedPropIds": []}  # fmt: skip
            labels = [dict(dep[k][i]) for i, k in slots]
            if relabel:  # every slot labelled as the one after it
                labels = labels[1:] + labels[:1]
            for (i, kind), label in zip(slots, labels, strict=True):
                spec = dep[kind][i]
                if spec["id"].startswith("{"):  # a pattern: no components of it on the page
                    body[kind].append([])
                    continue
                value = path if (i, kind) == target else ("/" if "path" in spec["property"] else "")
                body[kind].append(
                    {"id": label["id"], "property": label["property"], "value": value}
                )
            first = body["inputs"][0] if body["inputs"] else None
            if isinstance(first, dict):
                body["changedPropIds"] = [f"{first['id']}.{first['property']}"]
            bodies.append(body)
    return bodies
