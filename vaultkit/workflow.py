"""Everyday writing: a new vault (`init`), new notes from templates, safe file names.

Notes are only ever created, never overwritten (newfiles.create_files).
Templates are plain notes: `{{title}}` and `{{date}}` are replaced as Obsidian's
Templates plugin does, then the fields are filled in through edit.py, so a
vault's own template (in `Templates/`) keeps its layout, comments and extra fields.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from vaultkit.aside import conflict_copies
from vaultkit.config import CONFIG_NAME, Config, OutputConfig, RulesConfig, load_config
from vaultkit.edit import append_to_list, set_scalar
from vaultkit.errors import EditRefusedError, UsageError, WriteError
from vaultkit.io import replace_keeping
from vaultkit.links import name_key
from vaultkit.newfiles import create_files, link_text, make_folder, safe_name
from vaultkit.vault import FileStat, Vault, load_vault, resolve_root, scan

TEMPLATES_FOLDER = "Templates"
WELCOME_NOTE = "Start here.md"
TEMPLATE_KINDS = ("contact", "meeting", "org")

# --- vaultkit.toml, generated from the Config dataclasses -------------------------

# Where each Config field lives in vaultkit.toml: (table, key); a nested dataclass is
# written as a table of its own fields, and a dict as a table of its entries.
_TOML_PLACE: dict[str, tuple[str, str | None]] = {
    "folders": ("folders", None),
    "field_aliases": ("fields", None),
    "rules": ("rules", None),
    "output": ("output", None),
    "cache_folder": ("cache", "folder"),
    "max_file_bytes": ("limits", "max_file_bytes"),
    "graph_max_nodes": ("graph", "max_nodes"),
    "ignore": ("", "ignore"),
}
_TOML_HELP: dict[str, str] = {
    "ignore": "Folders never read as notes (the templates folder is one).",
    "folders": "The kind of note a folder holds when a note has no `type:`\n"
    "(contact, meeting, org or note).",
    "fields": 'Field names of an existing vault read as vaultkit\'s own, e.g.\ncompany = "org"',
    "rules.horizon_days": "Due views show what falls due within this many days.",
    "rules.follow_up_after_days": "Follow up this many days after an unanswered message.",
    "rules.max_attempts": "After this many unanswered messages: pause or change channel.",
    "rules.confirm_days_before": "Confirm a meeting this many days before it.",
    "rules.prepare_days_before": "Write the questions this many days before a meeting.",
    "rules.thank_days_after": "Send the thank-you within this many days.",
    "rules.referral_days_after": "Reach a referral within this many days of the meeting.",
    "rules.report_back_days_after": "Report back this many days after a meeting.",
    "rules.keep_in_touch_days": "Keep in touch this often (a contact's cadence: overrides).",
    "rules.disabled": 'Rules switched off, e.g. ["keep_in_touch", "prepare"].',
    "output.folder": "The folder of the generated notes.",
    "output.index": "The generated notes' names.",
    "output.due": "",
    "output.graph": "",
    "cache.folder": "The cache folder (keep it out of git). It must stay inside the vault:\n"
    'a path relative to the vault root, not absolute, without `..`, not "" or ".".',
    "limits.max_file_bytes": "Notes larger than this are reported, not read.",
    "graph.max_nodes": "The referral map draws at most this many people.",
}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if value >= 10_000 else str(value)
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple, frozenset, set)):
        items = sorted(value) if isinstance(value, (frozenset, set)) else list(value)
        return "[" + ", ".join(_toml_value(v) for v in items) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def config_toml(config: Config) -> str:
    """Give vaultkit.toml text that sets every option to its value in `config`, commented.

    Written from the Config dataclasses themselves, so a new option cannot be left
    out (a field without a place in the file raises) and the values cannot drift.
    """
    tables: dict[str, list[str]] = {}
    for f in fields(Config):
        table, key = _TOML_PLACE[f.name]
        value = getattr(config, f.name)
        lines = tables.setdefault(table, [])
        if key is not None:
            lines += _entry(f"{table}.{key}" if table else key, key, value)
        elif isinstance(value, dict):
            lines += _comment(_TOML_HELP[table])
            lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
        else:
            assert isinstance(value, (RulesConfig, OutputConfig))
            for sub in fields(value):
                lines += _entry(f"{table}.{sub.name}", sub.name, getattr(value, sub.name))
    out = [
        "# vaultkit settings. Every option is listed with its default; delete a line",
        "# to go back to the default, change a number to change a rule.",
        "",
    ]
    out += tables.pop("", [])
    for table, lines in tables.items():
        out += ["", f"[{table}]", *lines]
    return "\n".join(out) + "\n"


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in text.splitlines()]


def _entry(help_key: str, key: str, value: Any) -> list[str]:
    return [*_comment(_TOML_HELP[help_key]), f"{key} = {_toml_value(value)}"]


# --- templates -------------------------------------------------------------------


def packaged_template(kind: str) -> str:
    """Give the template vaultkit ships for a kind of note."""
    return (resources.files("vaultkit") / "templates" / f"{kind}.md").read_text(encoding="utf-8")


def template(root: Path, kind: str) -> tuple[str, str]:
    """Give (text, where from) of the template for `kind`: the vault's own, else vaultkit's."""
    own = root / TEMPLATES_FOLDER / f"{kind}.md"
    try:
        data = own.read_bytes()
    except FileNotFoundError:
        return packaged_template(kind), f"vaultkit's {kind} template"
    except OSError as exc:
        raise UsageError(f"cannot read the template: {exc.strerror}", str(own)) from exc
    try:
        return data.decode("utf-8"), f"{TEMPLATES_FOLDER}/{kind}.md"
    except UnicodeDecodeError as exc:
        raise UsageError("the template is not UTF-8 text", str(own)) from exc


def fill(text: str, title: str, day: date) -> str:
    """Give a template's text with `{{title}}` and `{{date}}` replaced (as Obsidian does)."""
    return text.replace("{{title}}", title).replace("{{date}}", day.isoformat())


# --- init ------------------------------------------------------------------------


WELCOME = """\
# Start here

This vault is a personal CRM for informational interviews, kept by vaultkit.
Every note is yours: vaultkit reads them, writes its own notes into `{output}/`,
and changes one of yours only when you ask it to (`vaultkit done`, `vaultkit log`).

- `People/`: one note per person (`vaultkit new contact "Jane Doe" --org Acme`).
- `Meetings/`: one note per conversation
  (`vaultkit new meeting "Coffee with Jane" --date 2026-03-02 --with "Jane Doe"`).
- `Orgs/`: the organisations you want to reach.
- `Templates/`: the templates `vaultkit new` starts from; change them as you like.
- `vaultkit.toml`: every setting, with its default.

Then, every day:

    vaultkit build      # write the index, the due actions and the referral graph
    vaultkit due        # what to do next; `vaultkit done ID` once it is done
    vaultkit log "Jane Doe" outreach   # record a message you sent

Open `{output}/{due}` for the due actions, `{output}/{index}` for everyone.
"""


@dataclass(frozen=True)
class InitResult:
    """What `init` made: the vault folder, the files written, the folders created."""

    root: Path
    files: tuple[str, ...]
    folders: tuple[str, ...]
    gitignore: str  # "created", "extended" or "unchanged"


def init_config() -> Config:
    """Give the settings `init` writes: the defaults, with the templates folder ignored."""
    return replace(Config(), ignore=(TEMPLATES_FOLDER,))


def init_vault(folder: str | os.PathLike[str]) -> InitResult:
    """Give the result of making a new vault in `folder` (created if missing).

    Folders that exist are reused; if any file `init` would write exists already,
    nothing at all is written and UsageError lists them. `.gitignore` is the one
    exception: an existing one gains the cache folder's line if it lacks it.
    """
    root = Path(folder).expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError("exists and is not a folder", str(folder))
    config = init_config()
    out = config.output
    files: dict[str, str] = {CONFIG_NAME: config_toml(config)}
    for kind in TEMPLATE_KINDS:
        files[f"{TEMPLATES_FOLDER}/{kind}.md"] = packaged_template(kind)
    files[WELCOME_NOTE] = WELCOME.format(
        output=out.folder, due=f"{out.due}.md", index=f"{out.index}.md"
    )
    taken = sorted(rel for rel in files if os.path.lexists(root / rel))
    taken += sorted(
        rel + "/"
        for rel in [*config.folders, TEMPLATES_FOLDER]
        if (root / rel).exists() and not (root / rel).is_dir()
    )
    if taken:
        raise UsageError(
            f"not initialising {root}: {', '.join(taken)} already exist(s); "
            "nothing was written (move them aside, or init another folder)"
        )
    gitignore = _plan_gitignore(root, config.cache_folder)
    folders = [f for f in [*config.folders, TEMPLATES_FOLDER] if not (root / f).is_dir()]
    # Every folder init makes, outermost first, so that a failed init takes them away.
    made = [p for p in (*reversed(root.parents), root) if not os.path.lexists(p)]
    made += [root / rel for rel in folders]
    try:
        make_folder(root, str(root))
        for rel in folders:
            make_folder(root / rel, rel + "/")
        existed = create_files(root, [(rel, text.encode("utf-8")) for rel, text in files.items()])
    except WriteError:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir()  # only an empty one: never a file someone put there meanwhile
        raise
    if existed:  # appeared between the check and the write: report, never overwrite
        raise UsageError(f"{', '.join(existed)} appeared while initialising; left as found")
    _write_gitignore(root, gitignore)
    return InitResult(root.resolve(), tuple(files), tuple(folders), gitignore.state)


@dataclass(frozen=True)
class _Gitignore:
    """What `init` does to .gitignore: the file to write (a link's target), its new
    bytes (None: nothing to write), and "created", "extended" or "unchanged"."""

    path: Path
    data: bytes | None
    state: str


def _plan_gitignore(root: Path, cache: str) -> _Gitignore:
    """Give what `init` will do to .gitignore, read before anything is written, so that
    one that cannot be read stops `init` with nothing written; UsageError then."""
    line = cache.strip("/") + "/"
    path = root / ".gitignore"
    block = f"# vaultkit's cache: rebuilt whenever it is missing\n{line}\n"
    try:
        old = path.read_bytes().decode("utf-8")
    except (FileNotFoundError, NotADirectoryError) as exc:  # a missing vault folder too
        if not path.is_symlink():
            return _Gitignore(path, block.encode(), "created")
        raise UsageError(
            f"cannot read .gitignore (a link to {os.readlink(path)}, which does not exist); "
            f"add {line} to it",
            str(path),
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read .gitignore ({exc}); add {line} to it", str(path)) from exc
    # A link (to a shared ignore file, say) is written through, not replaced.
    real = Path(os.path.realpath(path))
    if any(raw.strip() in (line, line.rstrip("/"), "/" + line) for raw in old.splitlines()):
        return _Gitignore(real, None, "unchanged")
    # The file's own line endings, as its first line has them: a CRLF file stays CRLF.
    first = old.find("\n")
    nl = "\r\n" if first > 0 and old[first - 1] == "\r" else "\n"
    sep = "" if not old or old.endswith("\n") else nl
    return _Gitignore(real, (old + sep + block.replace("\n", nl)).encode("utf-8"), "extended")


def _write_gitignore(root: Path, plan: _Gitignore) -> None:
    """Write the .gitignore `_plan_gitignore` planned; WriteError if it cannot be."""
    if plan.data is None:
        return
    try:
        if plan.state == "created":
            if create_files(root, [(".gitignore", plan.data)]):
                raise UsageError(".gitignore appeared while initialising; left as found")
            return
        # Atomically, with the file's own mode and owner, as a user's note is rewritten.
        replace_keeping(plan.path, plan.data, plan.path.stat())
    except OSError as exc:
        raise WriteError(f"cannot write: {exc.strerror or exc}", str(plan.path)) from exc


# --- new notes -------------------------------------------------------------------


def kind_folder(root: Path, config: Config, kind: str) -> str:
    """Give the folder new notes of `kind` go in: the first one mapped to it that exists."""
    mapped = [folder for folder, k in config.folders.items() if k == kind]
    for folder in mapped:
        if (root / folder).is_dir():
            return folder
    return mapped[0] if mapped else ""


@dataclass(frozen=True)
class NewNote:
    """A note `new` wrote: its vault path, its name, and which template it came from."""

    path: str
    name: str
    template: str
    warnings: tuple[str, ...] = ()


_NOT_PEOPLE = {"org": "an organisation", "meeting": "a meeting"}


def _person_name(vault: Vault, name: str, field: str, warnings: list[str]) -> tuple[str, bool]:
    """Give (the name to link a person by, whether a note for them exists); a note that
    is not a person's adds a warning to `warnings` (written all the same, as a dangling
    link is: the user may mean it, or fix the note's type)."""
    found = vault.resolve(name)
    if found is None:
        return name.strip(), False
    if found.kind in _NOT_PEOPLE:
        warnings.append(
            f"{found.name!r} is {_NOT_PEOPLE[found.kind]} ({found.path}), not a person: "
            f"`{field}:` lists people, and vaultkit would take it for one"
        )
    return found.name, True


def _check_free(vault: Vault, stats: Iterable[FileStat], rel: str, name: str) -> None:
    """Raise UsageError when a note of that name (or alias) exists, or would be hidden."""
    key = name_key(name)
    for note in vault.notes:
        if name_key(note.name) == key or key in {name_key(a) for a in note.aliases}:
            raise UsageError(f"a note named {name!r} exists already: {note.path}")
    if os.path.lexists(vault.root / rel):
        raise UsageError(f"{rel} exists already")
    if rel in conflict_copies([*stats, FileStat(rel, 0, 0)]):
        raise UsageError(
            f"{name!r} looks like a sync tool's copy of another note, so it would not be "
            "read; choose a name that tells them apart, e.g. with the organisation"
        )


def _edits(text: str, sets: Sequence[tuple[str, str]], adds: Sequence[tuple[str, str]]) -> str:
    for key, value in sets:
        text = set_scalar(text, key, value)
    for key, value in adds:
        text = append_to_list(text, key, value)
    return text


def _write_new(
    root: Path,
    kind: str,
    rel: str,
    name: str,
    day: date,
    sets: Sequence[tuple[str, str]],
    adds: Sequence[tuple[str, str]],
    warnings: Sequence[str] = (),
) -> NewNote:
    text, source = template(root, kind)
    try:
        text = _edits(fill(text, name, day), [("type", kind), *sets], adds)
    except EditRefusedError as exc:
        raise UsageError(f"the template cannot be filled in: {exc.message}", source) from exc
    if create_files(root, [(rel, text.encode("utf-8"))]):
        raise UsageError(f"{rel} appeared meanwhile; left as found")
    return NewNote(rel, name, source, tuple(warnings))


def _read(root_arg: str | os.PathLike[str]) -> tuple[Path, Vault, list[FileStat]]:
    root = resolve_root(root_arg)
    config = load_config(root)
    stats = scan(root, config)
    return root, load_vault(root, config, stats=stats), stats


def new_contact(
    root_arg: str | os.PathLike[str],
    name: str,
    day: date,
    *,
    org: str | None = None,
    referred_by: Sequence[str] = (),
    source: str | None = None,
) -> NewNote:
    """Give the contact note written for `name` from the contact template.

    `org` is a link when an organisation note of that name exists, else its name as
    text (so no dangling link is reported for an organisation you have no note for).
    A name that had to be changed to be a safe file name is kept as an alias.
    """
    root, vault, stats = _read(root_arg)
    stem = safe_name(name)
    rel = _join(kind_folder(root, vault.config, "contact"), stem)
    _check_free(vault, stats, rel, stem)
    if stem != name.strip():
        _check_free(vault, stats, rel, name.strip())
    sets: list[tuple[str, str]] = []
    adds: list[tuple[str, str]] = []
    warnings: list[str] = []
    if org:
        found = vault.resolve(org)
        sets.append(("org", link_text(found.name) if found is not None else org.strip()))
    people = []
    for who in referred_by:
        shown, exists = _person_name(vault, who, "referred_by", warnings)
        people.append(link_text(shown))
        if not exists:
            warnings.append(f"no note for {shown!r} yet (the referred_by link dangles)")
    if len(people) == 1:
        sets.append(("referred_by", people[0]))
    adds += [("referred_by", p) for p in people if len(people) > 1]
    if source is None and people:
        source = "referral"
    if source:
        sets.append(("source", source))
    if stem != name.strip():
        adds.append(("aliases", " ".join(unicodedata.normalize("NFC", name).split())))
    return _write_new(root, "contact", rel, stem, day, sets, adds, warnings)


def meeting_stem(title: str, day: date) -> str:
    """Give a meeting's file stem: `YYYY-MM-DD title`, unless the title starts with a date."""
    title = title.strip()
    if re.match(r"\d{4}-\d{2}-\d{2}\b", title):
        return safe_name(title)
    return safe_name(f"{day.isoformat()} {title}")


def new_meeting(
    root_arg: str | os.PathLike[str],
    title: str,
    when: str,
    *,
    with_: Sequence[str] = (),
) -> NewNote:
    """Give the meeting note written for `title` on `when` (YYYY-MM-DD or YYYY-MM-DDTHH:MM)."""
    day = parse_when(when)
    root, vault, stats = _read(root_arg)
    stem = meeting_stem(title, day)
    rel = _join(kind_folder(root, vault.config, "meeting"), stem)
    _check_free(vault, stats, rel, stem)
    adds: list[tuple[str, str]] = []
    warnings: list[str] = []
    for who in with_:
        shown, exists = _person_name(vault, who, "with", warnings)
        adds.append(("with", link_text(shown)))
        if not exists:
            warnings.append(f"no note for {shown!r} yet: vaultkit new contact {shlex.quote(shown)}")
    return _write_new(root, "meeting", rel, stem, day, [("date", when.strip())], adds, warnings)


def new_org(root_arg: str | os.PathLike[str], name: str, day: date) -> NewNote:
    """Give the organisation note written for `name` from the org template."""
    root, vault, stats = _read(root_arg)
    stem = safe_name(name)
    rel = _join(kind_folder(root, vault.config, "org"), stem)
    _check_free(vault, stats, rel, stem)
    adds = [("aliases", name.strip())] if stem != name.strip() else []
    return _write_new(root, "org", rel, stem, day, [], adds)


def parse_when(text: str) -> date:
    """Give the day of a YYYY-MM-DD or YYYY-MM-DDTHH:MM value; UsageError otherwise."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2}))?", text.strip())
    try:
        if match is None:
            raise ValueError
        day = date.fromisoformat(match.group(1))
        if match.group(2) and (int(match.group(2)) > 23 or int(match.group(3)) > 59):
            raise ValueError
    except ValueError:
        raise UsageError(f"{text!r} is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return day


def _join(folder: str, stem: str) -> str:
    folder = folder.strip("/")
    return f"{folder}/{stem}.md" if folder else f"{stem}.md"
