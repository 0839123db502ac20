"""The command line where the README writes its options, and in Bahasa Indonesia: --db and
--user before or after the command, argparse's own words (usage, help headings, usage errors)
translated, exit status 2 for a usage error, and a plain answer outside the virtualenv."""

from __future__ import annotations

import argparse
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl import cli
from tests.helpers import masterplan_bytes

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Sandi-Uji-2026\n"
# argparse's English, as a word (option names such as --password-stdin are not prose)
ENGLISH = re.compile(r"\b(usage|error|required|invalid|choose|choice|unrecognized|arguments?|"
                     r"expected|options|positional|show this help|ambiguous)\b", re.IGNORECASE)


def run(*args: str, stdin: str | None = None, python: str = sys.executable,
        flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -m etl ARGS`` in a real process (no $MONEV_DB, $MONEV_USER: options only)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MONEV_DB", "MONEV_USER")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([python, *flags, "-m", "etl", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def english(text: str) -> list[str]:
    """The English words of argparse left in a text."""
    return ENGLISH.findall(text.replace("--password-stdin", "").replace("--dry-run", ""))


@pytest.fixture
def masterplan(tmp_path: Path) -> Path:
    path = tmp_path / "masterplan.xlsx"
    path.write_bytes(masterplan_bytes())
    return path


def loads(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT file_name, uploaded_by FROM load").fetchall()
    finally:
        con.close()


def test_db_and_user_are_taken_before_and_after_the_command(tmp_path, masterplan):
    after, before = tmp_path / "sesudah" / "monev.duckdb", tmp_path / "sebelum" / "monev.duckdb"
    after.parent.mkdir()
    before.parent.mkdir()
    # as the README writes it: options after the command
    done = run("load", str(masterplan), "--db", str(after), "--user", "admin.kominfo")
    assert done.returncode == 0, done.stderr
    assert "Berhasil memuat masterplan" in done.stdout
    first = run("--db", str(before), "--user", "admin.kominfo", "load", str(masterplan))
    assert first.returncode == 0, first.stderr
    assert [r[0] for r in loads(after)] == [r[0] for r in loads(before)] == ["masterplan.xlsx"]
    assert loads(after)[0][1].startswith("admin.kominfo (CLI, pengguna OS: ")
    assert loads(before)[0][1] == loads(after)[0][1]
    # the one given after the command wins; the one before stays when none is given after
    other = tmp_path / "lain" / "monev.duckdb"
    other.parent.mkdir()
    both = run("--db", str(before), "load", str(masterplan), "--db", str(other))
    assert both.returncode == 0, both.stderr
    assert "Berhasil memuat masterplan" in both.stdout  # not "identik": the other database
    assert len(loads(other)) == 1
    again = run("--db", str(before), "load", str(masterplan))
    assert "identik" in again.stdout


def test_nested_commands_take_the_options_after_them(tmp_path):
    db = tmp_path / "monev.duckdb"
    added = run("user", "add", "sekda", "--role", "pimpinan", "--nama", "Sekda Uji",
                "--password-stdin", "--db", str(db), "--user", "admin.kominfo", stdin=PASSWORD)
    assert added.returncode == 0, added.stderr
    changed = run("user", "--db", str(db), "set", "sekda", "--aktif", "tidak")
    assert changed.returncode == 0, changed.stderr
    setting = run("setting", "set", "report_due_working_days", "12", "--db", str(db),
                  "--user", "admin.kominfo")
    assert setting.returncode == 0, setting.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        active = con.execute("SELECT active FROM app_user WHERE username = 'sekda'").fetchone()
        actors = con.execute("SELECT actor, action FROM audit_event ORDER BY audit_id"
                             ).fetchall()
    finally:
        con.close()
    assert active == (False,)
    assert [a for a, _ in actors][0].startswith("admin.kominfo (CLI")
    assert [b for _, b in actors] == ["user_add", "user_change", "settings_change"]


@pytest.mark.parametrize(("args", "said"), [
    ((), "argumen berikut wajib diisi: PERINTAH"),
    (("load",), "argumen berikut wajib diisi: BERKAS"),
    (("muat", "x.xlsx"), "pilihan tidak valid: 'muat'"),
    (("load", "x.xlsx", "--tidak-ada"), "argumen tidak dikenal: --tidak-ada"),
    (("user", "add", "x", "--role", "raja", "--nama", "X"), "argumen --role: pilihan tidak valid"),
    (("user", "add", "x"), "argumen berikut wajib diisi: --role, --nama"),
    (("load", "x.xlsx", "--db"), "argumen --db: perlu satu nilai"),
    (("audit", "--limit", "banyak"), "'banyak' bukan bilangan bulat"),
    (("load", "x.xlsx", "--received", "kemarin"), "'kemarin' bukan tanggal"),
    (("load", "x.xlsx", "--tw", "V"), "argumen --tw:"),
])
def test_usage_errors_are_in_indonesian_with_status_2(tmp_path, args, said):
    done = run(*args, "--db", str(tmp_path / "monev.duckdb")) if args else run()
    assert done.returncode == 2
    assert done.stderr.startswith("penggunaan: python -m etl")
    assert "kesalahan: " in done.stderr and said in done.stderr
    assert english(done.stderr) == []
    assert not (tmp_path / "monev.duckdb").exists()  # a usage error touches nothing


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every command's parser, nested commands included."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += _parsers(sub)
    return found


def test_every_help_text_is_in_indonesian():
    parsers = _parsers(cli._parser())
    assert len(parsers) >= 19  # 12 commands, user add/list/set, setting list/set/reset
    for parser in parsers:
        text = parser.format_help()
        assert text.startswith("penggunaan: python -m etl"), parser.prog
        assert "opsi:" in text and "--db BERKAS" in text and "--user NAMA" in text, parser.prog
        assert english(text) == [], (parser.prog, english(text))
        for action in parser._actions:  # every option and argument says what it is
            assert action.help, (parser.prog, action.dest)


def test_help_through_the_real_command():
    done = run("user", "set", "--help")
    assert done.returncode == 0
    assert "penggunaan: python -m etl user set" in done.stdout
    assert "--role PERAN" in done.stdout and "--opd OPD" in done.stdout
    assert english(done.stdout) == []


def test_the_translated_words_are_argparses_own():
    """Each English text translated is one argparse (this Python's) really uses: a Python
    upgrade that rewords one shows here, not as English on an operator's screen."""
    source = inspect.getsource(argparse)
    missing = [m for m in cli.ARGPARSE_WORDS if repr(m)[1:-1] not in source
               and m not in source]
    assert missing == []


def test_english_is_put_back_after_the_parser_ran():
    cli._parser().format_help()
    plain = argparse.ArgumentParser(prog="lain")
    assert plain.format_usage().startswith("usage: lain")


def test_outside_the_virtualenv_the_command_says_how_to_run_it():
    """A Python without the project's packages (here the virtualenv's own without its
    site-packages) gets the command to run instead of a traceback."""
    done = run("user", "add", "admin.kominfo", "--role", "admin", "--nama", "Admin Diskominfo",
               flags=("-S",))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "di luar lingkungan virtual" in done.stderr
    assert (".venv/bin/python -m etl user add admin.kominfo --role admin --nama "
            "'Admin Diskominfo'") in done.stderr
    assert "make etl ARGS=" in done.stderr
