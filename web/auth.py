"""Who is asking: the viewer of a request, their groups and the access labels they hold.

Off by default: without `AUTH` every visitor is anonymous and sees the public documents (all
documents, unless some carry access labels). Two ways to log in can be switched on:

- `AUTH = "proxy"`: the organisation's reverse proxy logs people in and passes the user name
  and groups in headers (`AUTH_USER_HEADER`, default `X-Forwarded-User`; `AUTH_GROUPS_HEADER`,
  default `X-Forwarded-Groups`, split on `AUTH_GROUPS_SEPARATOR`, default `,`). The headers are
  believed only from the addresses or networks in `AUTH_PROXIES`; from any other address
  they are ignored (and logged) and the request is anonymous, since anyone can send them.
- `AUTH = "basic"`: HTTP Basic with the users of `AUTH_USERS_FILE`, a TOML file of
  `[users.NAME]` tables with `password` (from `bestuurszoeker hash-password`) and `groups`.
  Wrong credentials are refused (401); without any, the visitor is anonymous until they
  follow "Inloggen" (`/login`).

Members of `AUTH_ADMIN_GROUPS` see every document. With `AUTH_REQUIRED` anonymous visitors
get nothing but the login (and `/health`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import threading
import tomllib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, request, url_for
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from search import EVERYTHING
from search.access import viewer_labels

from .config import ConfigError
from .passwords import BadHash, check_hash, hash_password, verify_password

METHODS = ("proxy", "basic")
REALM = "Bestuurszoeker"
OPEN_ENDPOINTS = {"api.health", "static", "auth.login"}  # reachable with AUTH_REQUIRED too
_CHECKED_LOGINS = 256

login = Blueprint("auth", __name__)


@dataclass(frozen=True)
class Viewer:
    """The person behind a request; `access` is what their search requests carry."""

    user: str | None
    groups: tuple[str, ...]
    access: frozenset[str]


ANONYMOUS = Viewer(None, (), frozenset())


@dataclass(frozen=True)
class AuthSettings:
    """The login settings, checked."""

    method: str | None = None
    user_header: str = "X-Forwarded-User"
    groups_header: str = "X-Forwarded-Groups"
    groups_separator: str = ","
    proxies: tuple = ()
    users_file: Path | None = None
    admin_groups: frozenset[str] = frozenset()
    required: bool = False

    def viewer(self, user: str | None, groups: list[str]) -> Viewer:
        groups = [g.strip() for g in groups if g.strip()]
        if not user:
            return ANONYMOUS
        if self.admin_groups & {g.casefold() for g in groups}:
            return Viewer(user, tuple(groups), EVERYTHING)
        return Viewer(user, tuple(groups), viewer_labels(user, groups))


def settings_from(config: Mapping) -> AuthSettings:
    """AuthSettings from the app config (`AUTH_*` keys, strings from the environment or typed
    values from the TOML file); ConfigError names the setting and the problem."""
    method = _text(config.get("AUTH"), "AUTH")
    if method:
        method = method.lower()
        if method not in METHODS:
            raise ConfigError(f"AUTH {method!r}: must be one of {', '.join(METHODS)}")
    defaults = AuthSettings()
    settings = AuthSettings(
        method=method or None,
        user_header=_text(config.get("AUTH_USER_HEADER"), "AUTH_USER_HEADER")
        or defaults.user_header,
        groups_header=_text(config.get("AUTH_GROUPS_HEADER"), "AUTH_GROUPS_HEADER")
        or defaults.groups_header,
        groups_separator=_text(config.get("AUTH_GROUPS_SEPARATOR"), "AUTH_GROUPS_SEPARATOR",
                               strip=False) or defaults.groups_separator,
        proxies=tuple(_network(v) for v in _values(config.get("AUTH_PROXIES"), "AUTH_PROXIES")),
        users_file=Path(f) if (f := _text(_path(config.get("AUTH_USERS_FILE")),
                                          "AUTH_USERS_FILE")) else None,
        admin_groups=frozenset(
            v.casefold() for v in _values(config.get("AUTH_ADMIN_GROUPS"), "AUTH_ADMIN_GROUPS")
        ),
        required=_flag(config.get("AUTH_REQUIRED"), "AUTH_REQUIRED"),
    )
    if settings.method == "proxy" and not settings.proxies:
        raise ConfigError(
            "AUTH_PROXIES: proxy login needs the addresses of the reverse proxy "
            "(e.g. proxies = [\"10.0.0.5\"]); headers from anywhere else are not believed"
        )
    if settings.method == "basic" and settings.users_file is None:
        raise ConfigError("AUTH_USERS_FILE: basic login needs a users file")
    if settings.required and settings.method is None:
        raise ConfigError("AUTH_REQUIRED: needs a login method (AUTH = proxy or basic)")
    return settings


class Users:
    """The users file of basic login, read again when it changes on disk.

    A file that turns invalid while the site runs lets nobody log in (and says why in the
    log) rather than keep users that staff may have just removed."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._checked: OrderedDict = OrderedDict()
        self._users = load_users(path)
        self._stamp = self._file_stamp()
        # Checked against when the user is unknown, so that a wrong name costs as much time as
        # a wrong password and does not tell which names exist.
        self._decoy = hash_password(os.urandom(8).hex())

    def check(self, user: str, password: str) -> tuple[str, ...] | None:
        """The user's groups if the password is right, else None."""
        found = self._current().get(user)
        stored, groups = found if found else (self._decoy, ())
        # scrypt is slow on purpose; a page loads several resources, so remember passwords
        # that were right (as a digest, in memory only; a changed hash no longer matches).
        token = hashlib.sha256(f"{user}\0{stored}\0{password}".encode()).digest()
        with self._lock:
            if token in self._checked:
                self._checked.move_to_end(token)
                return groups
        if not verify_password(password, stored) or not found:
            return None
        with self._lock:
            self._checked[token] = True
            while len(self._checked) > _CHECKED_LOGINS:
                self._checked.popitem(last=False)
        return groups

    def _current(self) -> dict:
        stamp = self._file_stamp()
        if stamp != self._stamp:
            with self._lock:
                try:
                    self._users = load_users(self.path)
                except ConfigError as exc:
                    current_app.logger.error("login: %s; nobody can log in until it is fixed", exc)
                    self._users = {}
                self._stamp = stamp
        return self._users

    def _file_stamp(self) -> tuple | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size


def load_users(path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """user name → (password hash, groups) from a users file; ConfigError names the user."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the users file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if set(data) - {"users"} or not isinstance(data.get("users", {}), dict):
        raise ConfigError(f"{path}: expected only [users.NAME] tables")
    users = {}
    for name, entry in data.get("users", {}).items():
        where = f"{path}: [users.{name}]"
        if not isinstance(entry, dict) or set(entry) - {"password", "groups"}:
            raise ConfigError(f"{where}: only `password` and `groups` are known")
        password, groups = entry.get("password"), entry.get("groups", [])
        if not isinstance(password, str):
            raise ConfigError(f"{where}: password must be a hash from "
                              "`bestuurszoeker hash-password`")
        try:
            check_hash(password)
        except BadHash as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if not isinstance(groups, list) or not all(isinstance(x, str) for x in groups):
            raise ConfigError(f"{where}: groups must be a list of names")
        users[name] = (password, tuple(groups))
    return users


def install(app: Flask) -> None:
    """Work out the viewer before every request (refusing wrong credentials), and keep
    answers that depend on the viewer out of shared caches."""
    settings = settings_from(app.config)
    users = Users(settings.users_file) if settings.method == "basic" else None
    app.extensions["bestuurszoeker.auth"] = settings
    app.register_blueprint(login)

    @app.before_request
    def identify():
        g.viewer = _identify(settings, users)
        if settings.required and g.viewer is ANONYMOUS and request.endpoint not in OPEN_ENDPOINTS:
            raise _challenge(settings)

    @app.after_request
    def private(response):
        if settings.method:
            response.headers["Cache-Control"] = "private"
            response.vary.add("Authorization")
        return response

    @app.context_processor
    def viewer_in_templates():
        return {"viewer": viewer(), "login_url": _login_url(settings)}


def viewer() -> Viewer:
    """The viewer of the current request."""
    return g.get("viewer", ANONYMOUS)


def access() -> frozenset[str]:
    """The access labels of the current request's viewer, for its search requests."""
    return viewer().access


@login.get("/login")
def login_page():
    """Ask the browser for a name and password (basic login), then go back to `next`. The
    browser sends them with every later request to the site."""
    settings = current_app.extensions["bestuurszoeker.auth"]
    if settings.method == "basic" and viewer() is ANONYMOUS:
        raise _challenge(settings)
    target = request.args.get("next", "")
    parts = urlsplit(target)
    # Only a path on this site: a login link must not send people elsewhere.
    local = target.startswith("/") and not target.startswith("//") and not parts.netloc
    return redirect(target if local and "\\" not in target else url_for("pages.home"))


def _identify(settings: AuthSettings, users: Users | None) -> Viewer:
    if settings.method == "proxy":
        return _from_proxy(settings)
    if settings.method == "basic":
        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            return ANONYMOUS
        groups = users.check(credentials.username or "", credentials.password or "")
        if groups is None:
            raise _challenge(settings)
        return settings.viewer(credentials.username, list(groups))
    return ANONYMOUS


def _from_proxy(settings: AuthSettings) -> Viewer:
    user = request.headers.get(settings.user_header, "").strip()
    groups = request.headers.get(settings.groups_header, "")
    if not _trusted(request.remote_addr, settings.proxies):
        if user or groups:
            current_app.logger.warning(
                "ignored login headers from %s: not a configured proxy (AUTH_PROXIES)",
                request.remote_addr,
            )
        return ANONYMOUS
    return settings.viewer(user, groups.split(settings.groups_separator))


def _trusted(address: str | None, proxies: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in proxies)


def _challenge(settings: AuthSettings) -> Unauthorized:
    if settings.method == "basic":
        return Unauthorized(
            www_authenticate=WWWAuthenticate("basic", {"realm": REALM, "charset": "UTF-8"})
        )
    return Unauthorized()


def _login_url(settings: AuthSettings) -> str | None:
    if settings.method != "basic" or viewer() is not ANONYMOUS:
        return None
    here = request.full_path.rstrip("?") if request else "/"
    return url_for("auth.login_page", next=here)


def _network(value: str):
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ConfigError(
            f"AUTH_PROXIES: {value!r} is not an IP address or network (e.g. 10.0.0.0/8)"
        ) from None


def _text(value, name: str, strip: bool = True) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{name}: must be a string")
    return value.strip() if strip else value


def _path(value):
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def _values(value, name: str) -> list[str]:
    """A list from the TOML file, or a comma-separated string from the environment."""
    if value is None:
        return []
    values = value.split(",") if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{name}: must be a list of strings")
    return [v.strip() for v in values if v.strip()]


def _flag(value, name: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "ja", "0",
                                                            "false", "no", "nee", ""):
        return value.strip().lower() in ("1", "true", "yes", "ja")
    raise ConfigError(f"{name}: must be true or false")
