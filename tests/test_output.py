"""Writing the brief: all or nothing, never through a planted symlink, never over a folder or device."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from bridge.output import OutputError, write_file


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_new_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "brief.html"
    write_file(out, b"<html>new</html>")
    assert out.read_bytes() == b"<html>new</html>"
    assert leftovers(out.parent) == []


def test_an_existing_file_is_kept_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "brief.html"
    out.write_bytes(b"old")
    with pytest.raises(OutputError, match=r"already exists; pass --force to replace it"):
        write_file(out, b"new")
    assert out.read_bytes() == b"old"
    write_file(out, b"new", force=True)
    assert out.read_bytes() == b"new"


def test_a_symlink_at_the_target_is_replaced_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    out = tmp_path / "brief.html"
    out.symlink_to(victim)
    with pytest.raises(OutputError, match="already exists"):
        write_file(out, b"new")
    write_file(out, b"new", force=True)
    assert victim.read_bytes() == b"precious"
    assert not out.is_symlink() and out.read_bytes() == b"new"


def test_a_planted_tmp_link_is_never_followed(tmp_path: Path) -> None:
    """The old way wrote to NAME.tmp: a link planted there must not be written through."""
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    out = tmp_path / "brief.html"
    (tmp_path / "brief.html.tmp").symlink_to(victim)
    write_file(out, b"new")
    assert victim.read_bytes() == b"precious" and out.read_bytes() == b"new"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder; give a file name"):
        write_file(tmp_path, b"x", force=True)


def test_a_device_is_refused() -> None:
    with pytest.raises(OutputError, match="not a regular file"):
        write_file(Path(os.devnull), b"x", force=True)


def test_a_full_disk_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "brief.html"
    out.write_bytes(b"old")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device; nothing was written"):
        write_file(out, b"new", force=True)
    assert out.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_a_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "report"
    blocker.write_bytes(b"a file where a folder should be")
    with pytest.raises(OutputError, match=r"cannot write .*report/brief.html: Not a directory"):
        write_file(blocker / "brief.html", b"x")
