"""vaultkit.toml: the vault's settings, every one optional, with its default."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from vaultkit import config_checks as checks
from vaultkit.config_checks import inside as _inside
from vaultkit.config_checks import line_of as line_of  # re-exported
from vaultkit.config_checks import text as _str
from vaultkit.config_checks import whole as _int
from vaultkit.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_NAME = "vaultkit.toml"
RULE_NAMES = (
    "follow_up",
    "no_answer",
    "confirm",
    "prepare",
    "thank",
    "referral",
    "missing_note",
    "report_back",
    "keep_in_touch",
    "task",
)


@dataclass(frozen=True)
class RulesConfig:
    """The numbers behind the due-action rules (schema.md's defaults)."""

    horizon_days: int = 30
    follow_up_after_days: int = 7
    max_attempts: int = 3
    confirm_days_before: int = 2
    prepare_days_before: int = 3
    thank_days_after: int = 1
    referral_days_after: int = 7
    report_back_days_after: int = 30
    keep_in_touch_days: int = 90
    disabled: frozenset[str] = frozenset()

    def enabled(self, rule: str) -> bool:
        """Give whether a rule is switched on."""
        return rule not in self.disabled


@dataclass(frozen=True)
class OutputConfig:
    """Where the generated notes go and what they are called."""

    folder: str = "CRM"
    index: str = "CRM Index"
    due: str = "Due Actions"
    graph: str = "Referral Graph"

    def path(self, name: str) -> str:
        """Give the vault-relative path of a generated note."""
        return f"{self.folder.strip('/')}/{name}.md" if self.folder.strip("/") else f"{name}.md"

    def paths(self) -> tuple[str, ...]:
        """Give the vault-relative paths of every generated note."""
        return (self.path(self.index), self.path(self.due), self.path(self.graph))


# The front-matter fields vaultkit reads (docs/schema.md): a [fields] alias names one.
SCHEMA_FIELDS = frozenset(
    {
        *("type", "aliases", "tags"),  # every note
        *("org", "role", "email", "phone", "linkedin", "source", "referred_by", "seniority"),
        *("outreach", "replied", "cadence", "status", "snooze_until"),  # contacts
        *("date", "with", "mode", "duration", "confirmed", "questions", "referrals"),
        *("thanked", "reported_back", "reference"),  # meetings (and status)
        *("target", "website", "industry"),  # organisations
    }
)
GENERATED_KEY = "generated_by"  # parse.GENERATED_KEY: a note vaultkit wrote

DEFAULT_FOLDERS = {"People": "contact", "Meetings": "meeting", "Orgs": "org"}


@dataclass(frozen=True)
class Config:
    """Everything vaultkit.toml can say, with schema.md's defaults."""

    folders: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FOLDERS), hash=False)
    field_aliases: dict[str, str] = field(default_factory=dict, hash=False)
    rules: RulesConfig = RulesConfig()
    output: OutputConfig = OutputConfig()
    cache_folder: str = ".vaultkit"
    max_file_bytes: int = 2_000_000
    graph_max_nodes: int = 60
    ignore: tuple[str, ...] = ()


def fingerprint(config: Config) -> str:
    """Give a short digest that changes whenever any setting changes (for caches)."""
    import hashlib
    import json
    from dataclasses import asdict

    data = asdict(config)
    data["rules"]["disabled"] = sorted(config.rules.disabled)
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


MAX_DAYS = 36_500  # a hundred years: more is a slip, and dates past year 9999 do not exist


def _table(
    data: dict[str, Any], key: str, path: str, text: str | None, known: Iterable[str] = ()
) -> dict[str, Any]:
    """Give the table `key`; with `known`, refuse any other setting in it."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(
            f"[{key}] must be a table, not {value!r}", path, checks.table_line(text, key)
        )
    if known:
        checks.known_keys(value, key, known, path, text)
    return value


def parse_config(data: dict[str, Any], path: str = CONFIG_NAME, text: str | None = None) -> Config:
    """Give the Config for an already-parsed vaultkit.toml mapping; `text`, the file's
    text, lets an error name its line."""
    known = {"folders", "fields", "rules", "output", "cache", "limits", "graph", "ignore"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"unknown setting {key!r}; known: {', '.join(sorted(known))}",
                path,
                checks.table_line(text, key),
            )
    folders = _folders(_table(data, "folders", path, text), path, text)
    aliases = _aliases(_table(data, "fields", path, text), path, text)
    rules = _rules(
        _table(data, "rules", path, text, [f.name for f in fields(RulesConfig)]), path, text
    )
    output = _output(
        _table(data, "output", path, text, [f.name for f in fields(OutputConfig)]), path, text
    )

    cache = _table(data, "cache", path, text, ["folder"])
    cache_folder = _cache_folder(cache.get("folder", ".vaultkit"), path, text)
    cache_key = cache_folder.casefold()
    # The cache folder is never read for notes: naming a folder of notes would hide them.
    for taken in (*folders, output.folder):
        inner = taken.casefold().startswith(f"{cache_key}/")
        if taken and (cache_key == taken.casefold() or inner):
            raise ConfigError(
                f"cache.folder must not {'hold' if inner else 'be'} a folder of notes "
                f"({taken!r}): name a folder of its own",
                path,
                line_of(text, "cache", "folder"),
            )
    limits = _table(data, "limits", path, text, ["max_file_bytes"])
    graph = _table(data, "graph", path, text, ["max_nodes"])
    return Config(
        folders=folders,
        field_aliases=aliases,
        rules=rules,
        output=output,
        cache_folder=cache_folder,
        max_file_bytes=_int(
            limits.get("max_file_bytes", 2_000_000),
            "limits.max_file_bytes",
            path,
            line_of(text, "limits", "max_file_bytes"),
            least=(MIN_FILE_BYTES, " (a note past the limit is not read)"),
        ),
        # 0 switches the map off.
        graph_max_nodes=_int(
            graph.get("max_nodes", 60), "graph.max_nodes", path, line_of(text, "graph", "max_nodes")
        ),
        ignore=_ignore(data.get("ignore", []), path, text),
    )


MIN_FILE_BYTES = 1_000  # less, and most notes would be too large to read


def _rules(table: dict[str, Any], path: str, text: str | None) -> RulesConfig:
    """Give [rules]: each number a whole number of days up to MAX_DAYS, and the rules
    switched off."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        line = line_of(text, "rules", key)
        if key == "disabled":
            values[key] = _disabled(value, path, line)
        else:
            values[key] = _int(value, f"rules.{key}", path, line, most=MAX_DAYS)
    return replace(RulesConfig(), **values)


def _disabled(value: Any, path: str, line: int | None) -> frozenset[str]:
    """Give rules.disabled, a list of rule names; an error names the first wrong entry."""
    import difflib

    if not isinstance(value, list):
        wrong, hint = value, f' (a list: ["{value}"])' if isinstance(value, str) else ""
    else:
        wrong = next((name for name in value if name not in RULE_NAMES), None)
        if wrong is None:
            return frozenset(value)
        close = difflib.get_close_matches(wrong, RULE_NAMES, 1) if isinstance(wrong, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(
        f"rules.disabled must list rule names from: {', '.join(RULE_NAMES)}; not {wrong!r}{hint}",
        path,
        line,
    )


def _ignore(value: Any, path: str, text: str | None) -> tuple[str, ...]:
    """Give `ignore`: folders inside the vault (`./`, a leading or trailing `/` left out)."""
    line = line_of(text, "", "ignore")
    entries = value if isinstance(value, list) else [value]
    folders: list[str] = []
    for entry in entries:
        if not isinstance(entry, str) or not isinstance(value, list):
            raise ConfigError(f"ignore must be a list of folder names, not {entry!r}", path, line)
        parts = checks.vault_path(entry, "ignore", path, line)
        if not parts:
            raise ConfigError(f"ignore must name folders, not {entry!r}", path, line)
        folders.append("/".join(parts))
    return tuple(folders)


def _folders(table: dict[str, Any], path: str, text: str | None) -> dict[str, str]:
    """Give [folders]: the defaults, with each of yours (a folder inside the vault, `./`
    and a trailing `/` left out) replacing the default it names in any case."""
    folders = dict(DEFAULT_FOLDERS)
    seen: dict[str, str] = {}  # casefolded folder -> the folder as written
    for key, kind in table.items():
        line = line_of(text, "folders", key)
        name = checks.setting("folders", key)
        if kind not in ("contact", "meeting", "org", "note"):
            raise ConfigError(f"{name} must be contact, meeting, org or note", path, line)
        parts = checks.vault_path(key, name, path, line)
        if not parts:
            raise ConfigError(f"{name} must name a folder, not {key!r}", path, line)
        checks.visible(parts, key, name, path, line, "vaultkit reads no hidden folder")
        folder = "/".join(parts)
        folded = folder.casefold()
        if folded in seen:
            raise ConfigError(
                f"{name} names the folder {seen[folded]!r} again "
                "(folders differing only in case or by `./` are one)",
                path,
                line,
            )
        seen[folded] = folder
        for default in DEFAULT_FOLDERS:
            if default.casefold() == folded:
                del folders[default]
        folders[folder] = kind
    return folders


def _aliases(table: dict[str, Any], path: str, text: str | None) -> dict[str, str]:
    """Give [fields]: each of your field names -> the schema field it is read as, in
    alphabetical order (a note with two names for one field is read by the first)."""
    import difflib

    aliases: dict[str, str] = {}
    for alias, value in table.items():
        line = line_of(text, "fields", alias)
        name = checks.setting("fields", alias)
        target = _str(value, name, path, line)
        if not alias.strip():
            raise ConfigError(f"{name} must name a field of your notes, not {alias!r}", path, line)
        if alias in SCHEMA_FIELDS or alias == GENERATED_KEY:
            raise ConfigError(
                f"{name} is one of vaultkit's own fields: another name for it would hide it",
                path,
                line,
            )
        if target not in SCHEMA_FIELDS:
            close = difflib.get_close_matches(target, sorted(SCHEMA_FIELDS), 1)
            hint = f" (did you mean {close[0]!r}?)" if close and target != GENERATED_KEY else ""
            raise ConfigError(
                f"{name} must name a field of vaultkit's schema (docs/schema.md), "
                f"not {target!r}{hint}",
                path,
                line,
            )
        aliases[alias] = target
    return dict(sorted(aliases.items()))


def _output(table: dict[str, Any], path: str, text: str | None) -> OutputConfig:
    """Give [output]: a folder inside the vault and three notes' names a file system takes
    (`./`, a leading or doubled `/` left out), no two the same in any case."""
    values: dict[str, str] = {}
    written: dict[str, str] = {}
    for key in (f.name for f in fields(OutputConfig)):
        if key not in table:
            continue
        name, line = f"output.{key}", line_of(text, "output", key)
        value = written[key] = _str(table[key], name, path, line)
        parts = checks.vault_path(value, name, path, line)  # `.` is the vault root
        if key != "folder" and not "".join(parts).strip():
            raise ConfigError(f"{name} must name a note, not {value!r}", path, line)
        checks.visible(parts, value, name, path, line, "Obsidian shows no hidden file or folder")
        checks.short_names(parts, key != "folder", name, path, line)
        values[key] = "/".join(parts)
    output = replace(OutputConfig(), **values)
    notes = ("index", "due", "graph")
    for i, first in enumerate(notes):
        for second in notes[i + 1 :]:
            if (
                output.path(getattr(output, first)).casefold()
                != output.path(getattr(output, second)).casefold()
            ):
                continue
            blamed, other = (second, first) if second in written else (first, second)
            raise ConfigError(
                f"output.{blamed} must differ from output.{other}, also in case (a file "
                f"system that ignores case takes them for one file), not {written[blamed]!r}",
                path,
                line_of(text, "output", blamed),
            )
    return output


def _cache_folder(value: Any, path: str, text: str | None) -> str:
    """Give cache.folder: a folder inside the vault, never the vault itself, for vaultkit
    writes there (the cache, the lock) and would otherwise write outside the vault."""
    line = line_of(text, "cache", "folder")
    folder = _str(value, "cache.folder", path, line)
    _inside(folder, "cache.folder", path, line)  # not even from the vault root: `/` refused
    parts = checks.vault_path(folder, "cache.folder", path, line)
    if not [p for p in parts if p.strip()]:
        raise ConfigError(
            f"cache.folder must name a folder inside the vault, not {folder!r}", path, line
        )
    return "/".join(parts)


MAX_CONFIG_BYTES = 1_000_000


def load_config(root: Path) -> Config:
    """Give the vault's Config, from vaultkit.toml at its root when there is one."""
    path = root / CONFIG_NAME
    from vaultkit.io import read_regular

    try:
        raw = read_regular(path, MAX_CONFIG_BYTES + 1)
    except FileNotFoundError as exc:
        if path.is_symlink():  # a settings file you meant, gone: not "no settings"
            raise ConfigError("cannot read: a link to nothing", CONFIG_NAME) from exc
        return Config()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", CONFIG_NAME) from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"over {MAX_CONFIG_BYTES:,} bytes: not a settings file", CONFIG_NAME)
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError("not UTF-8 text", CONFIG_NAME) from exc
    except RecursionError as exc:  # tomllib reads nested values by recursion
        raise ConfigError(
            "not valid TOML: values nested too deeply (lists or tables inside one another)",
            CONFIG_NAME,
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        # tomli and newer Pythons carry the line; 3.11's tomllib only says it in the text.
        found = re.search(r"\(at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise ConfigError(f"not valid TOML: {exc}", CONFIG_NAME, line) from exc
    return parse_config(data, CONFIG_NAME, text)
