"""Command line: ``python -m etl load|template|demo|rebuild|history|activate|withdraw|
backup|restore|user|setting|audit``.

Exit status: 0 done, 1 rejected (or failed), 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date, datetime
from pathlib import Path

from etl.validate import Expect

try:
    import pwd
except ImportError:  # no user database (Windows)
    pwd = None  # type: ignore[assignment]


def _os_user() -> str:
    """The operating-system account this process runs as, from its real uid (not $USER or
    $LOGNAME, which anyone can set)."""
    if pwd is None:
        return getpass.getuser()
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a uid without a passwd entry (containers)
        return f"uid {uid}"


def _name(args: argparse.Namespace) -> str:
    """The account the command acts as: --user, else $MONEV_USER, else the OS user."""
    return args.user or os.environ.get("MONEV_USER") or _os_user()


def _recorded_actor(name: str, account: str) -> str:
    """Who the audit trail and the loads record for a command run as OS ``account`` in the
    name of ``name``: the name alone when it is the OS account itself, else both, since
    --user and $MONEV_USER accept any name."""
    return name if name == account else f"{name} (CLI, pengguna OS: {account})"


def _actor(args: argparse.Namespace) -> str:
    return _recorded_actor(_name(args), _os_user())


def _tw(text: str) -> int:
    from etl.values import parse_tw
    try:
        tw = parse_tw(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if tw is None:
        raise argparse.ArgumentTypeError("triwulan kosong")
    return tw


FOREIGN_HELP = ("accept a backup not signed with this server's key (made on another server, "
                "or this server's key was lost); its checksums are still checked")


def _parser() -> argparse.ArgumentParser:
    from monev.store.db import default_db_path
    p = argparse.ArgumentParser(prog="python -m etl", description="Monev Smart City ETL")
    p.add_argument("--db", type=Path, default=None,
                   help=f"database file (default $MONEV_DB or {default_db_path()})")
    p.add_argument("--user", help="who does this (default $MONEV_USER or the OS user); the "
                   "audit trail records the OS user beside any other name")
    sub = p.add_subparsers(dest="command", required=True)

    ld = sub.add_parser("load", help="validate and load workbooks")
    ld.add_argument("files", nargs="+", type=Path)
    ld.add_argument("--dry-run", action="store_true",
                    help="report what would change; change nothing")
    ld.add_argument("--opd", help="refuse files of another OPD")
    ld.add_argument("--wilayah", help="refuse files of another region (code, e.g. 35.23)")
    ld.add_argument("--tahun", type=int, help="refuse files of another year")
    ld.add_argument("--tw", type=_tw, help="refuse files of another triwulan")
    ld.add_argument("--received", type=date.fromisoformat,
                    help="date the report was received (YYYY-MM-DD; default today). Another "
                         "date is a statement audited with who made it; refused for an "
                         "operator account, after today, or before the date of the "
                         "report's first upload")
    ld.add_argument("--konfirmasi-hapus", type=int, metavar="N", dest="removals",
                    help="a correction may remove exactly N rows of the load it replaces "
                         "(the count the dry run names); without it such a file is refused")
    ld.add_argument("--at", type=datetime.fromisoformat, help=argparse.SUPPRESS)

    tp = sub.add_parser("template", help="write a quarterly report or masterplan template")
    tp.add_argument("--opd", help="OPD code (quarterly report)")
    tp.add_argument("--tahun", type=int)
    tp.add_argument("--tw", type=_tw)
    tp.add_argument("--wilayah", help="region code (default: the only region loaded)")
    tp.add_argument("--masterplan", action="store_true", help="blank masterplan workbook")
    tp.add_argument("-o", "--output", type=Path)

    dm = sub.add_parser("demo", help="write the Kabupaten Tuban demo workbooks and load them")
    dm.add_argument("--dir", type=Path, default=None, help="where to write the workbooks")
    dm.add_argument("--if-missing", action="store_true", help="do nothing if the db exists")

    rb = sub.add_parser("rebuild", help="recreate the database from the archive journal "
                        "(accounts, settings, meetings and audit trail kept)")
    rb.add_argument("--backup", type=Path, default=None,
                    help="take accounts, settings, meetings and the audit trail from this "
                         "backup folder (when the database file is damaged or lost)")
    rb.add_argument("--dari-server-lain", action="store_true", dest="foreign",
                    help=FOREIGN_HELP)
    hs = sub.add_parser("history", help="list loads")
    hs.add_argument("--wilayah")
    for name, text in (("activate", "make an earlier (superseded) load active again"),
                       ("withdraw", "withdraw an active load (kept in history)")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("load_id", type=int)

    bk = sub.add_parser("backup", help="export the whole database and archive to a folder")
    bk.add_argument("--out", type=Path)
    rs = sub.add_parser("restore", help="replace the database by a backup folder or zip "
                        "(the replaced database is set aside, not deleted)")
    rs.add_argument("backup_dir", type=Path)
    rs.add_argument("--dari-server-lain", action="store_true", dest="foreign",
                    help=FOREIGN_HELP)

    us = sub.add_parser("user", help="manage accounts (add, list, set)")
    usub = us.add_subparsers(dest="user_command", required=True)
    ua = usub.add_parser("add", help="create an account (asks for the password)")
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=["admin", "operator", "pimpinan"])
    ua.add_argument("--nama", required=True, help="full name")
    ua.add_argument("--opd", help="OPD code (operators)")
    ua.add_argument("--wilayah", help="region code (default: every region)")
    ua.add_argument("--password-stdin", action="store_true",
                    help="read the password from standard input instead of a prompt")
    usub.add_parser("list", help="list accounts")
    ust = usub.add_parser("set", help="change an account")
    ust.add_argument("username")
    ust.add_argument("--aktif", choices=["ya", "tidak"])
    ust.add_argument("--password-stdin", action="store_true")
    ust.add_argument("--wilayah", help="bind to a region code ('*' = every region)")

    se = sub.add_parser("setting", help="show or change the rule settings (list, set, reset)")
    ssub = se.add_subparsers(dest="setting_command", required=True)
    for name, text in (("list", "every setting with its value and where it comes from"),
                       ("set", "store a value (JSON or text: 10, 80.5, [9, 30], "
                               "2026-08-17,2026-12-01)"),
                       ("reset", "remove the stored value (national or default applies)")):
        sp = ssub.add_parser(name, help=text)
        if name != "list":
            sp.add_argument("name")
        if name == "set":
            sp.add_argument("value")
        sp.add_argument("--wilayah", default="*",
                        help="region code (default '*': every region)")

    au = sub.add_parser("audit", help="print the audit trail")
    au.add_argument("--limit", type=int, default=50)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    from monev.store.db import default_db_path
    db_path = args.db or default_db_path()
    handler = globals()[f"_cmd_{args.command}"]
    from monev.store.db import DatabaseBusy, DatabaseMissing
    try:
        return handler(args, Path(db_path))
    except DatabaseMissing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except DatabaseBusy:
        print(f"Database {db_path} sedang dipakai proses lain (unggahan, pemuatan atau perintah "
              "etl lain) dan belum dilepas setelah ditunggu. Tidak ada yang diubah. Jalankan "
              "perintah ini lagi setelah proses itu selesai.", file=sys.stderr)
        return 1


def _account_scope(db_path: Path, actor: str) -> tuple[str | None, str | None]:
    """(OPD, region) an account is bound to: an operator's OPD, any account's region (loads by
    it are refused for other OPDs and regions)."""
    from monev.store import db
    if not db_path.exists():
        return None, None
    with db.opened(db_path, read_only=True, retries=50) as con:
        row = con.execute("SELECT CASE WHEN role = 'operator' THEN opd_code END, region_code "
                          "FROM app_user WHERE username = ?", [actor]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _cmd_load(args: argparse.Namespace, db_path: Path) -> int:
    from etl.load import load_paths
    actor = _actor(args)
    opd_scope, region_scope = _account_scope(db_path, _name(args))
    expect = Expect(opd=args.opd, year=args.tahun, tw=args.tw, region=args.wilayah,
                    opd_scope=opd_scope, region_scope=region_scope,
                    removals=() if args.removals is None else (("*", args.removals),))
    results = load_paths(db_path, args.files, actor=actor, dry_run=args.dry_run,
                         expect=expect, at=args.at, received_on=args.received)
    for r in results:
        print(r.message)
        for issue in r.issues:
            print(f"  - {issue.text()}")
        if r.diff and r.status in ("dry_run", "loaded"):
            for table, d in r.diff.items():
                print(f"    {table}: " + ", ".join(f"{k} {v}" for k, v in d.items()))
    return 0 if all(r.ok for r in results) else 1


def _cmd_template(args: argparse.Namespace, db_path: Path) -> int:
    from etl.template import laporan_template, masterplan_template
    from monev.store import db
    if args.masterplan:
        out = args.output or Path(f"masterplan_{args.wilayah or 'baru'}.xlsx")
        masterplan_template(out, args.wilayah or "")
        print(f"Template masterplan ditulis ke {out}")
        return 0
    if not (args.opd and args.tahun and args.tw):
        print("Perlu --opd, --tahun dan --tw (atau --masterplan).", file=sys.stderr)
        return 2
    if not db_path.exists():
        print(f"Database {db_path} belum ada. Muat masterplan dulu.", file=sys.stderr)
        return 1
    with db.opened(db_path, read_only=True, retries=20) as con:
        region = args.wilayah or _only_region(con)
        out = args.output or Path(f"laporan_{args.opd}_{args.tahun}_TW{args.tw}.xlsx")
        try:
            laporan_template(con, out, region, args.opd.upper(), args.tahun, args.tw)
        except LookupError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"Template laporan ditulis ke {out}")
    return 0


def _only_region(con) -> str:
    rows = con.execute("SELECT DISTINCT region_code FROM active_load "
                       "WHERE kind = 'masterplan'").fetchall()
    if len(rows) != 1:
        raise SystemExit("Sebutkan --wilayah (lebih dari satu atau belum ada wilayah).")
    return rows[0][0]


def _cmd_demo(args: argparse.Namespace, db_path: Path) -> int:
    from etl.demo import build_demo
    if args.if_missing and db_path.exists():
        print(f"Database {db_path} sudah ada.")
        return 0
    try:
        stats = build_demo(db_path, args.dir)
    except FileExistsError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"Data demo Kabupaten Tuban dimuat ke {db_path}: {stats}")
    return 0


def _cmd_rebuild(args: argparse.Namespace, db_path: Path) -> int:
    from etl.backup import BackupRefused, ReplaceBusy
    from etl.rebuild import RebuildRefused, rebuild, report
    try:
        done = rebuild(db_path, backup_dir=args.backup, actor=_actor(args),
                       foreign=args.foreign)
    except (FileNotFoundError, RebuildRefused, BackupRefused, ReplaceBusy) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    lines, warnings = report(done)
    print("\n".join(lines))
    if warnings:
        print("\n".join(warnings), file=sys.stderr)
    return 0


def _cmd_history(args: argparse.Namespace, db_path: Path) -> int:
    from monev.store import db, lineage
    with db.opened(db_path, read_only=True, retries=20) as con:
        df = lineage.history(con, args.wilayah)
    print(df.drop(columns=["file_hash", "counts_json"]).to_string(index=False))
    return 0


def _cmd_activate(args: argparse.Namespace, db_path: Path) -> int:
    return _change(args, db_path, "restore")


def _cmd_withdraw(args: argparse.Namespace, db_path: Path) -> int:
    return _change(args, db_path, "delete")


def _cmd_backup(args: argparse.Namespace, db_path: Path) -> int:
    from etl.backup import backup, key_path, new_backup_folder
    from monev.store import accounts, db
    out = args.out or new_backup_folder(db_path)
    new_key = not key_path(db_path).exists()
    # Audited first, so the backup itself carries the record of its making.
    with db.opened(db_path, retries=50) as con:
        accounts.audit(con, _actor(args), "backup", str(out))
    out = backup(db_path, out)
    print(f"Cadangan ditulis ke {out}")
    if new_key:
        print(f"Kunci tanda tangan cadangan dibuat: {key_path(db_path)}. Simpan salinannya "
              "terpisah dari cadangan: tanpa kunci ini, cadangan hanya dapat dipulihkan "
              "dengan --dari-server-lain.")
    return 0


def _cmd_restore(args: argparse.Namespace, db_path: Path) -> int:
    from etl.backup import BackupRefused, ReplaceBusy, restore
    from monev.store import accounts, db
    try:
        done = restore(args.backup_dir, db_path, foreign=args.foreign)
    except (FileNotFoundError, BackupRefused, ReplaceBusy) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    with db.opened(db_path, retries=50) as con:
        accounts.audit(con, _actor(args), "restore_backup", str(args.backup_dir),
                       {"dari_server_lain": True} if args.foreign else None)
    print(f"Database dipulihkan dari {args.backup_dir}: {done.counts.get('load', 0)} muatan.")
    if done.kept_as:
        print(f"Database sebelumnya disimpan sebagai {done.kept_as}.")
    if done.journal_kept_as:
        print(f"Jurnal arsip sebelumnya disimpan sebagai {done.journal_kept_as}; "
              "file unggahan yang lebih baru dari cadangan tetap ada di arsip.")
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Kata sandi: ")
    if getpass.getpass("Ulangi kata sandi: ") != first:
        raise SystemExit("Kata sandi tidak sama.")
    return first


def _cmd_user(args: argparse.Namespace, db_path: Path) -> int:
    from monev.store import accounts, db
    db.ensure_database(db_path)
    with db.opened(db_path, retries=50) as con:
        try:
            if args.user_command == "add":
                user = accounts.add_user(con, args.username, args.nama, args.role,
                                         _password(args), opd_code=args.opd,
                                         region_code=args.wilayah, actor=_actor(args))
                print(f"Akun {user.username} ({user.role_label}) dibuat.")
            elif args.user_command == "set":
                accounts.set_user(con, args.username, actor=_actor(args),
                                  active=None if args.aktif is None else args.aktif == "ya",
                                  password=_password(args) if args.password_stdin else None,
                                  region_code=args.wilayah)
                print(f"Akun {args.username} diperbarui.")
            else:
                print(accounts.users(con).to_string(index=False))
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    return 0


def _setting_value(text: str) -> object:
    """A value typed on the command line: JSON when it parses, else the text itself."""
    import json
    try:
        return json.loads(text)
    except ValueError:
        return text


def _cmd_setting(args: argparse.Namespace, db_path: Path) -> int:
    from monev.store import db, rule_settings
    db.ensure_database(db_path)
    if args.setting_command == "list":
        with db.opened(db_path, read_only=True, retries=50) as con:
            for item in rule_settings.effective(con, args.wilayah):
                print(f"{item.name:28} {item.value!s:40} {item.source}")
        return 0
    value = _setting_value(args.value) if args.setting_command == "set" else None
    actor = _actor(args)
    _, scope = _account_scope(db_path, _name(args))
    with db.opened(db_path, retries=50) as con:
        try:
            diff = rule_settings.change(con, args.wilayah, {args.name: value}, actor=actor,
                                        scope=scope)
        except rule_settings.SettingRejected as exc:
            print(str(exc), file=sys.stderr)
            return 1
    where = "semua wilayah" if args.wilayah == rule_settings.NATIONAL else args.wilayah
    print(f"{args.name} ({where}) diubah." if diff else f"{args.name} ({where}) tidak berubah.")
    return 0


def _cmd_audit(args: argparse.Namespace, db_path: Path) -> int:
    from monev.store import accounts, db
    with db.opened(db_path, read_only=True, retries=50) as con:
        print(accounts.audit_trail(con, limit=args.limit).to_string(index=False))
    return 0


def _change(args: argparse.Namespace, db_path: Path, action: str) -> int:
    from etl.archive import Archive
    from etl.load import delete_load, restore_load
    from monev.store import current, db
    fn = restore_load if action == "restore" else delete_load
    with db.opened(db_path, retries=20) as con:
        try:
            fn(con, args.load_id, actor=_actor(args), archive=Archive(db.archive_root(db_path)))
        except KeyError as exc:
            print(exc.args[0], file=sys.stderr)
            return 1
        current.refresh_stale(con)
    word = "dipulihkan" if action == "restore" else "ditarik"
    print(f"Muatan #{args.load_id} {word}.")
    return 0
