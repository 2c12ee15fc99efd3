"""The watcher's writer never overwrites a user's own note standing where a generated note goes."""

from __future__ import annotations

from pathlib import Path

from vaultkit.rebuild import Writer


def test_a_users_note_in_a_generated_notes_place_is_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / "CRM" / "Due Actions.md"
    mine.parent.mkdir()
    mine.write_bytes(b"# My own list\n- [ ] keep this\n")
    writer = Writer(tmp_path, tmp_path / ".vaultkit", 1.0, "CRM/Due Actions.md")
    generated = b"---\ngenerated_by: vaultkit\n---\nnew\n"
    written = writer.write({"CRM/Due Actions.md": generated, "CRM/CRM Index.md": generated})
    assert written == ["CRM/CRM Index.md"]
    assert mine.read_bytes() == b"# My own list\n- [ ] keep this\n"
    # And on the next rebuild too, once the user's file is gone the note is written.
    assert writer.write({"CRM/Due Actions.md": generated}) == []
    mine.unlink()
    assert writer.write({"CRM/Due Actions.md": generated}) == ["CRM/Due Actions.md"]
    assert mine.read_bytes() == generated
