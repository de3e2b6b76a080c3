"""Every parameter the server accepts, fuzzed (hypothesis): page addresses and their queries,
the layout's Referer, callback inputs, the export and download names, the sign-in form. No
answer is a 500 and none carries a traceback to the client."""

import json
from contextlib import closing
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_PASSWORD, TEST_SECRET, sign_in_client
from wall.core.settings import Settings
from wall.state import auth
from wall.state.db import connect
from wall.web import ids
from wall.web.app import create_app

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
paths = st.one_of(
    st.sampled_from(["/node/city-meizhou", "/node/", "/province", "/prd", "/compare", "/alerts",
                     "/bulletins", "/admin", "/node/../admin", "//evil", "/node/%00"]),
    text.map(lambda t: "/" + t),
)  # fmt: skip
keys = st.sampled_from(["asof", "range", "from", "to", "field", "nodes", "screen", "x"])
values = st.one_of(
    text,
    st.sampled_from(
        ["2020-06-30", "9999-99-99", "custom", "24h", "-1", "1e999", "city-meizhou,,,"]
    ),
)
queries = st.dictionaries(keys, values, max_size=4).map(
    lambda d: "&".join(f"{quote(k)}={quote(v)}" for k, v in d.items())
)


@pytest.fixture(scope="module")
def admin(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")
    s = Settings(data_dir=tmp, store_url=f"sqlite:///{tmp}/m.db", secret_key=TEST_SECRET)
    with closing(connect(s.state_db_path)) as conn:
        auth.add_user(conn, "fuzzer", "admin", TEST_PASSWORD)
    app = create_app(s)
    return app, sign_in_client(app.server.test_client(), "fuzzer")


def _post(app, client, name: str, body: dict) -> None:
    """Post a callback as dash-renderer does (its output key, the CSRF header) and check it."""
    key = next(k for k, cb in app.callback_map.items()
               if cb.get("callback") and cb["callback"].__name__ == name)  # fmt: skip
    csrf = client.get_cookie("_csrf_token").value
    answer = client.post("/_dash-update-component", json={"output": key, **body},
                         headers={"X-CSRFToken": csrf})  # fmt: skip
    _sane(answer)


def _sane(r) -> None:
    body = r.get_data(as_text=True)
    assert r.status_code < 500, body[:300]
    assert "Traceback" not in body and 'File "' not in body


@FUZZ
@given(path=paths, query=queries)
def test_pages_and_layouts(admin, path, query):
    _, client = admin
    url = quote(path, safe="/%") + (f"?{query}" if query else "")
    _sane(client.get(url))
    _sane(client.get("/_dash-layout", headers={"Referer": f"http://localhost{url}"}))


PAGE_BODIES = ["node", "province", "prd", "compare", "alerts", "bulletins", "admin"]


@FUZZ
@given(page=st.sampled_from(PAGE_BODIES), path=paths, query=queries)
def test_page_callback_inputs(admin, page, path, query):
    app, client = admin
    body = {"outputs": {"id": ids.page_body(page), "property": "children"},
            "inputs": [{"id": ids.URL, "property": "pathname", "value": path},
                       {"id": ids.URL, "property": "search", "value": "?" + query}],
            "changedPropIds": [f"{ids.URL}.pathname"], "state": []}  # fmt: skip
    _post(app, client, f"{page}_body", body)


@FUZZ
@given(
    screen=text,
    search=queries,
    trigger=st.one_of(st.none(), st.integers(), text),
    shown=st.one_of(
        st.none(), text, st.dictionaries(text, st.one_of(text, st.dictionaries(text, text)))
    ),
)
def test_refresh_callback_inputs(admin, screen, search, trigger, shown):
    app, client = admin
    body = {"outputs": [[], [], {"id": ids.BANNER, "property": "children"},
                                       {"id": ids.ASOF, "property": "children"}, {"id": ids.DONE, "property": "data"}],
            "inputs": [{"id": ids.TRIGGER, "property": "data", "value": trigger},
                       {"id": ids.SCREEN, "property": "data", "value": screen},
                       {"id": ids.URL, "property": "search", "value": "?" + search}],
            "changedPropIds": [f"{ids.TRIGGER}.data"],
            "state": [{"id": ids.DONE, "property": "data", "value": shown}]}  # fmt: skip
    _post(app, client, "refresh", body)


@FUZZ
@given(
    period=text, formats=st.lists(st.sampled_from(["xlsx", "odt", "", "../x", "html"]), max_size=3)
)
def test_bulletin_form(admin, period, formats):
    app, client = admin
    body = {"outputs": {"id": ids.page_body("bulletins"), "property": "children"},
            "inputs": [{"id": "bulletin-make", "property": "n_clicks", "value": 1}], "changedPropIds": ["bulletin-make.n_clicks"],
            "state": [{"id": "bulletin-period", "property": "value", "value": period},
                      {"id": "bulletin-formats", "property": "value", "value": formats}]}  # fmt: skip
    _post(app, client, "make_bulletin", body)


@FUZZ
@given(fmt=text, query=queries, name=text)
def test_exports_and_downloads(admin, fmt, query, name):
    _, client = admin
    _sane(client.get(f"/export/ranking.{quote(fmt)}?{query}"))
    _sane(client.get(f"/bulletins/download/{quote(name, safe='')}"))


@FUZZ
@given(name=text, password=text, token=text)
def test_sign_in_form_and_token(admin, name, password, token):
    app, _ = admin
    fresh = app.server.test_client()
    _sane(fresh.post("/login", data={"name": name, "password": password, "csrf_token": token}))
    _sane(fresh.get(f"/login/token/{quote(token, safe='')}"))
    _sane(fresh.get(f"/login?next={quote(name)}"))


@FUZZ
@given(
    name=text, role=st.one_of(text, st.sampled_from(["admin", "screen"])), password=text, label=text
)
def test_admin_forms(admin, name, role, password, label):
    app, client = admin
    _post(app, client, "admin_users", {
        "outputs": {"id": ids.page_body("admin"), "property": "children"},
        "inputs": [{"id": "admin-user-add", "property": "n_clicks", "value": 1}, []],
        "changedPropIds": ["admin-user-add.n_clicks"],
        "state": [{"id": "admin-user-name", "property": "value", "value": name},
                  {"id": "admin-user-role", "property": "value", "value": role},
                  {"id": "admin-user-password", "property": "value", "value": password}]})  # fmt: skip
    _post(app, client, "admin_tokens", {
        "outputs": {"id": ids.page_body("admin"), "property": "children"},
        "inputs": [{"id": "admin-token-add", "property": "n_clicks", "value": None},
                   [{"id": {"type": "token-revoke", "id": label[:5] or "x"}, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [f'{{"id":"{label[:5] or "x"}","type":"token-revoke"}}.n_clicks'],
        "state": [{"id": "admin-token-label", "property": "value", "value": label}]})  # fmt: skip


def _page_body(app) -> dict:
    key = next(k for k, cb in app.callback_map.items()
               if cb.get("callback") and cb["callback"].__name__ == "alerts_body")  # fmt: skip
    return {"output": key, "outputs": {"id": ids.page_body("alerts"), "property": "children"},
            "inputs": [{"id": ids.URL, "property": "pathname", "value": "/alerts"},
                       {"id": ids.URL, "property": "search", "value": ""}],
            "changedPropIds": [f"{ids.URL}.pathname"], "state": []}  # fmt: skip


MALFORMED = {
    "no outputs": lambda b: {k: v for k, v in b.items() if k != "outputs"},
    "outputs of the wrong kind": lambda b: {**b, "outputs": [b["outputs"]]},
    "an input missing": lambda b: {**b, "inputs": b["inputs"][:1]},
    "an input too many": lambda b: {**b, "inputs": [*b["inputs"], b["inputs"][0]]},
    "inputs swapped": lambda b: {**b, "inputs": b["inputs"][::-1]},
    "an input relabelled": lambda b: {**b, "inputs": [{**b["inputs"][0], "property": "href"}, b["inputs"][1]]},
    "an unknown output": lambda b: {**b, "output": "page-body-alerts.children@nothing"},
    "a changed input it does not have": lambda b: {**b, "changedPropIds": ["admin-user-add.n_clicks"]},
    "a state it does not have": lambda b: {**b, "state": [{"id": "x", "property": "y", "value": 1}]},
    "inputs not a list": lambda b: {**b, "inputs": {"0": b["inputs"][0]}},
}  # fmt: skip


@FUZZ
@given(
    shape=st.sampled_from(sorted(MALFORMED)),
    value=st.one_of(text, st.integers(), st.none(), st.lists(text, max_size=3)),
)
def test_malformed_callback_shapes_are_refused_with_400(admin, shape, value):
    """A body not shaped as the callback was registered is refused before Dash reads it."""
    app, client = admin
    body = MALFORMED[shape](_page_body(app))
    if (
        isinstance(body.get("inputs"), list)
        and body["inputs"]
        and isinstance(body["inputs"][-1], dict)
    ):
        body["inputs"][-1] = {**body["inputs"][-1], "value": value}
    csrf = client.get_cookie("_csrf_token").value
    answer = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf})
    assert answer.status_code == 400, (shape, answer.status_code)


@FUZZ
@given(depth=st.integers(40, 5000), surrogate=st.sampled_from(["\\ud800", "\\udfff", "a\\udc80b"]))
def test_deep_or_unencodable_bodies_are_refused_with_400(admin, depth, surrogate):
    app, client = admin
    body = json.dumps(_page_body(app))
    csrf = client.get_cookie("_csrf_token").value
    headers = {"X-CSRFToken": csrf, "Content-Type": "application/json"}
    deep = body.replace('"/alerts"', "[" * depth + "1" + "]" * depth)
    lone = body.replace('"/alerts"', f'"/al{surrogate}erts"')
    for data in (deep, lone):
        answer = client.post("/_dash-update-component", data=data, headers=headers)
        assert answer.status_code == 400
