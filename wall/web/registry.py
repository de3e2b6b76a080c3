"""The wall's pages, declared by the pages themselves: each page module says its address, the
capability it needs, how to draw its body, and the callbacks and downloads it serves. The app
registers what is declared here; access (wall/web/access.py) derives every rule from these
declarations, and refuses what is not declared.

Why not Dash's `register_page`: Dash's pages are routed in the browser by one page-container
callback whose page is decided by the pathname the request carries, and that is exactly the
seam through which a signed-in role once read the admin page. Here each page's body callback
and actions are registered with that page's capability, so a callback's page is known from its
registration, never from what a request says; and the wall paints a page complete on arrival
(the layout is drawn on the server for the address asked), which Dash's pages do not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

CAPABILITIES = ("wall", "pages", "ack", "bulletins", "export", "admin", "signed_in")


@dataclass(frozen=True)
class Page:
    """A page: its name, address (`/node/<node_id>` names a parameter), the capability it needs,
    its title in the navigation, and its body (a function of the request's PageContext)."""

    name: str
    path: str
    title: str
    capability: str
    body: Callable | None  # the body, or (whole) the whole page, from the services
    nav: bool = True
    charts: bool = False  # takes a chart range (?range=, from, to)
    whole: bool = False  # draws its whole page itself (the wall's screens): no frame
    order: int = 100  # its place in the navigation

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(
            re.sub(r"<(\w+)>", r"(?P<\1>[a-z0-9]+(?:-[a-z0-9]+)*)", re.escape(self.path))
        )


@dataclass(frozen=True)
class Action:
    """A server callback a page declares: the capability it needs and Dash's callback spec."""

    name: str
    capability: str
    page: str | None
    function: Callable
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Download:
    """A Flask route a page declares (an export, a download): its rule and capability."""

    rule: str
    endpoint: str
    capability: str
    function: Callable


PAGES: dict[str, Page] = {}
ACTIONS: dict[str, Action] = {}
DOWNLOADS: dict[str, Download] = {}
CLIENTSIDE: list[tuple[tuple, dict]] = []  # callbacks run in the browser: no access rule


def _check(capability: str, what: str) -> None:
    if capability not in CAPABILITIES:
        raise ValueError(f"{what}: unknown capability {capability!r} ({', '.join(CAPABILITIES)})")


def page(
    name: str,
    path: str,
    title: str,
    capability: str,
    nav: bool = True,
    charts: bool = False,
    order: int = 100,
) -> Callable[[Callable], Callable]:
    """Declare a page; the decorated function draws its body (a list of components) from a
    PageContext. A second page with the same name or address raises ValueError naming it."""
    _check(capability, f"page {name}")

    def declare(body: Callable) -> Callable:
        add_page(Page(name, path, title, capability, body, nav, charts, order=order))
        return body

    return declare


def add_page(p: Page) -> Page:
    if p.name in PAGES or any(q.path == p.path for q in PAGES.values()):
        raise ValueError(f"page {p.name!r} ({p.path}) is already declared")
    _check(p.capability, f"page {p.name}")
    PAGES[p.name] = p
    return p


def action(*args, capability: str, page: str | None = None, **kwargs) -> Callable:
    """Declare a server callback (Dash's Output/Input/State as for app.callback) and the
    capability it needs; the decorated function gets the app's Services first, then the
    callback's inputs and state."""
    _check(capability, "action")

    def declare(function: Callable) -> Callable:
        name = function.__name__
        if name in ACTIONS:
            raise ValueError(f"action {name!r} is already declared")
        ACTIONS[name] = Action(name, capability, page, function, args, kwargs)
        return function

    return declare


def download(rule: str, capability: str) -> Callable:
    """Declare a Flask route of a page (an export, a download); the function gets the app's
    Services first, then the rule's parameters."""
    _check(capability, f"route {rule}")

    def declare(function: Callable) -> Callable:
        endpoint = function.__name__
        if endpoint in DOWNLOADS:
            raise ValueError(f"route {endpoint!r} is already declared")
        DOWNLOADS[endpoint] = Download(rule, endpoint, capability, function)
        return function

    return declare


def clientside(*args, **kwargs) -> None:
    """Declare a clientside callback (ClientsideFunction and its Output/Input/State)."""
    CLIENTSIDE.append((args, kwargs))


def resolve(path: str | None) -> tuple[Page, dict[str, str]] | None:
    """The page an address's path names and its parameters, or None. Strict, so that whoever
    asks (the access guard, the layout, a page's callback) gets the same answer for the same
    text: no empty or dot segments, no trailing slash, no other spelling."""
    path = path or "/"
    for p in PAGES.values():
        match = p.pattern.fullmatch(path)
        if match:
            return p, match.groupdict()
    return None
