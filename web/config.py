"""Settings of the web front end, from (weakest to strongest): built-in defaults, the TOML file
named by `$BESTUURSZOEKER_CONFIG`, environment variables, and the mapping given to
`create_app`.

Keys: `INDEX` (the index folder), `BASE_URL` (the public address of the site, used for the
links in mails, CSV files and Atom feeds, since behind a proxy the request's own address is
not the one colleagues can open) and `SYNONYMS` (a synonyms TOML file instead of the shipped
one). In the TOML file they are written `index`, `base_url` and `synonyms`.

Login (off by default) is the `[auth]` table of the file, or `AUTH_*` keys and
`BESTUURSZOEKER_AUTH_*` variables; `web.auth` explains and checks them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from index.store import default_root

CONFIG_FILE_VARIABLE = "BESTUURSZOEKER_CONFIG"
ENVIRONMENT = {
    "INDEX": "BESTUURSZOEKER_INDEX",
    "BASE_URL": "BESTUURSZOEKER_BASE_URL",
    "SYNONYMS": "BESTUURSZOEKER_SYNONYMS",
}
FILE_KEYS = {"index": "INDEX", "base_url": "BASE_URL", "synonyms": "SYNONYMS"}
# The [auth] table of the file; the environment variable of each is BESTUURSZOEKER_<KEY>.
AUTH_FILE_KEYS = {
    "method": "AUTH",
    "user_header": "AUTH_USER_HEADER",
    "groups_header": "AUTH_GROUPS_HEADER",
    "groups_separator": "AUTH_GROUPS_SEPARATOR",
    "proxies": "AUTH_PROXIES",
    "users_file": "AUTH_USERS_FILE",
    "admin_groups": "AUTH_ADMIN_GROUPS",
    "required": "AUTH_REQUIRED",
}
ENVIRONMENT.update({key: f"BESTUURSZOEKER_{key}" for key in AUTH_FILE_KEYS.values()})


class ConfigError(ValueError):
    """A setting is invalid; the message names the setting (and the file) and the problem."""


def load(overrides: Mapping | None = None) -> dict:
    """The settings for one app: `INDEX` (a Path) and `BASE_URL` (str or None), plus any
    other keys of `overrides` (Flask's own, such as `TESTING`)."""
    overrides = dict(overrides or {})
    settings: dict = {"INDEX": None, "BASE_URL": None, "SYNONYMS": None}
    config_file = overrides.pop("CONFIG_FILE", None) or os.environ.get(CONFIG_FILE_VARIABLE)
    if config_file:
        settings.update(_read_file(Path(config_file)))
    for key, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            settings[key] = os.environ[variable]
    settings.update({k: v for k, v in overrides.items() if v is not None})
    settings["INDEX"] = Path(settings["INDEX"]) if settings["INDEX"] else default_root()
    settings["BASE_URL"] = _base_url(settings["BASE_URL"])
    return settings


def _read_file(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    settings = {}
    for key, value in data.items():
        if key == "auth":
            settings.update(_auth_table(path, value))
            continue
        if key not in FILE_KEYS:
            known = ", ".join([*FILE_KEYS, "[auth]"])
            raise ConfigError(f"{path}: unknown key {key!r} (known: {known})")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
        settings[FILE_KEYS[key]] = value
    for key in ("INDEX", "SYNONYMS"):
        if key in settings:
            # A relative path is read relative to the config file, not to the cwd.
            settings[key] = str(path.parent / settings[key])
    return settings


def _auth_table(path: Path, table) -> dict:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: auth must be a table ([auth])")
    settings = {}
    for key, value in table.items():
        if key not in AUTH_FILE_KEYS:
            raise ConfigError(
                f"{path}: [auth] unknown key {key!r} (known: {', '.join(AUTH_FILE_KEYS)})"
            )
        settings[AUTH_FILE_KEYS[key]] = value
    if isinstance(settings.get("AUTH_USERS_FILE"), str):
        settings["AUTH_USERS_FILE"] = str(path.parent / settings["AUTH_USERS_FILE"])
    return settings


def _base_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"BASE_URL {value!r} is not an absolute http(s) address, "
            "e.g. https://intranet.example.nl/bestuurszoeker"
        )
    return value.rstrip("/")
