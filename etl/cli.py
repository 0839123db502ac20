"""Command line: ``python -m etl load|template|demo|rebuild|history|activate|withdraw|
backup|restore|user|setting|audit|pemetaan|e81``.

Exit status: 0 done, 1 rejected (or failed), 2 usage error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from etl.validate import Expect

try:
    import pwd
except ImportError:  # no user database (Windows)
    pwd = None  # type: ignore[assignment]

ROLE_CHOICES = ("admin", "operator", "pimpinan")


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


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} bukan bilangan bulat") from None


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} bukan tanggal; tulis TTTT-BB-HH, misalnya 2026-04-15") from None


def _datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} bukan waktu; tulis TTTT-BB-HH JJ:MM, misalnya 2026-04-15 09:30") from None


# argparse's own words, in Bahasa Indonesia. argparse builds them with gettext (its module
# names ``_`` and ``ngettext``); _Parser answers them from this table while it builds, parses,
# prints help or reports an error, and gives every other text back unchanged.
ARGPARSE_WORDS = {
    "usage: ": "penggunaan: ",
    "positional arguments": "argumen",
    "options": "opsi",
    "show this help message and exit": "tampilkan bantuan ini lalu keluar",
    "%(prog)s: error: %(message)s\n": "%(prog)s: kesalahan: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argumen %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "argumen berikut wajib diisi: %s",
    "one of the arguments %s is required": "salah satu argumen ini wajib diisi: %s",
    "unrecognized arguments: %s": "argumen tidak dikenal: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "pilihan tidak valid: %(value)r (pilih salah satu: %(choices)s)",
    "invalid %(type)s value: %(value)r": "nilai tidak valid: %(value)r",
    "expected one argument": "perlu satu nilai",
    "expected at most one argument": "paling banyak satu nilai",
    "expected at least one argument": "perlu paling sedikit satu nilai",
    "expected %s argument": "perlu %s nilai",
    "expected %s arguments": "perlu %s nilai",
    "ambiguous option: %(option)s could match %(matches)s":
        "opsi %(option)s tidak jelas: bisa berarti %(matches)s",
    "unexpected option string: %s": "opsi tak terduga: %s",
    "not allowed with argument %s": "tidak boleh bersama argumen %s",
    "ignored explicit argument %r": "opsi ini tidak menerima nilai (%r)",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "perintah %(parser_name)r tidak dikenal (pilihan: %(choices)s)",
}


@contextmanager
def _indonesian() -> Iterator[None]:
    """argparse's gettext answered from ARGPARSE_WORDS while the block runs (re-entrant; the
    module's own functions are put back after it)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]

    def gettext(message: str) -> str:
        return ARGPARSE_WORDS.get(message, saved[0](message))

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose own words (usage, help headings, usage errors) are Bahasa
    Indonesia; usage errors still exit with status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with _indonesian():
            super().__init__(*args, **kwargs)

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        with _indonesian():
            return super().parse_known_args(*args, **kwargs)

    def parse_args(self, *args: Any, **kwargs: Any) -> Any:
        with _indonesian():
            return super().parse_args(*args, **kwargs)

    def format_usage(self) -> str:
        with _indonesian():
            return super().format_usage()

    def format_help(self) -> str:
        with _indonesian():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with _indonesian():
            super().error(message)


FOREIGN_HELP = ("terima cadangan yang tidak ditandatangani dengan kunci server ini (dibuat di "
                "server lain, atau kunci server ini hilang); checksum-nya tetap diperiksa")


def _common() -> argparse.ArgumentParser:
    """--db and --user, accepted after a command too (``load FILE --db PATH``): SUPPRESS
    keeps a value given before the command when the command's parser does not see one."""
    from monev.store.db import default_db_path
    common = _Parser(add_help=False)
    common.add_argument("--db", type=Path, default=argparse.SUPPRESS, metavar="BERKAS",
                        help=f"berkas database (bawaan: $MONEV_DB atau {default_db_path()})")
    common.add_argument("--user", default=argparse.SUPPRESS, metavar="NAMA",
                        help="atas nama siapa perintah ini dijalankan (bawaan: $MONEV_USER atau "
                             "pengguna sistem operasi); jejak audit mencatat pengguna sistem "
                             "operasi di samping nama lain")
    return common


def _parser() -> argparse.ArgumentParser:
    # The top level has its own copy of the options: set_defaults changes the actions it
    # holds, and the commands' copies must keep SUPPRESS.
    common = _common()
    p = _Parser(prog="python -m etl", parents=[_common()],
                description="Monev Smart City: memuat workbook, membuat template, mengelola "
                            "muatan, cadangan, akun dan pengaturan.",
                epilog="Bantuan tiap perintah: python -m etl PERINTAH --help")
    p.set_defaults(db=None, user=None)
    sub = p.add_subparsers(dest="command", required=True, metavar="PERINTAH",
                           help="salah satu perintah ini")

    def command(parent: Any, name: str, text: str, **kwargs: Any) -> argparse.ArgumentParser:
        return parent.add_parser(name, help=text, description=text, parents=[common],
                                 **kwargs)

    ld = command(sub, "load", "periksa lalu muat workbook (masterplan atau laporan triwulan)")
    ld.add_argument("files", nargs="+", type=Path, metavar="BERKAS",
                    help="workbook yang dimuat (.xlsx, .xlsm, .xls atau .ods)")
    ld.add_argument("--dry-run", action="store_true",
                    help="uji coba: laporkan apa yang akan berubah, tanpa mengubah apa pun")
    ld.add_argument("--opd", help="tolak file OPD lain")
    ld.add_argument("--wilayah", help="tolak file wilayah lain (kode, misalnya 35.23)")
    ld.add_argument("--tahun", type=_integer, help="tolak file tahun lain")
    ld.add_argument("--tw", type=_tw, help="tolak file triwulan lain (1-4 atau I-IV)")
    ld.add_argument("--received", type=_date, metavar="TTTT-BB-HH",
                    help="tanggal laporan diterima (bawaan: hari ini). Tanggal lain adalah "
                         "pernyataan yang diaudit beserta siapa yang menyatakannya; ditolak "
                         "untuk akun operator, bila setelah hari ini, atau bila sebelum "
                         "tanggal unggahan pertama laporan itu")
    ld.add_argument("--konfirmasi-hapus", type=_integer, metavar="N", dest="removals",
                    help="perbaikan boleh menghapus tepat N baris dari muatan yang "
                         "digantikannya (jumlah yang disebut uji coba); tanpa opsi ini file "
                         "seperti itu ditolak")
    ld.add_argument("--at", type=_datetime, help=argparse.SUPPRESS)

    tp = command(sub, "template", "tulis template laporan triwulan atau masterplan")
    tp.add_argument("--opd", help="kode OPD (laporan triwulan)")
    tp.add_argument("--tahun", type=_integer, help="tahun laporan")
    tp.add_argument("--tw", type=_tw, help="triwulan (1-4 atau I-IV)")
    tp.add_argument("--wilayah", help="kode wilayah (bawaan: satu-satunya wilayah yang dimuat)")
    tp.add_argument("--masterplan", action="store_true", help="workbook masterplan kosong")
    tp.add_argument("-o", "--output", type=Path, metavar="BERKAS", help="berkas tujuan")

    dm = command(sub, "demo", "tulis workbook demo Kabupaten Tuban lalu muat")
    dm.add_argument("--dir", type=Path, default=None, metavar="FOLDER",
                    help="folder tujuan workbook")
    dm.add_argument("--if-missing", action="store_true",
                    help="tidak melakukan apa pun bila database sudah ada")

    rb = command(sub, "rebuild", "bangun ulang database dari jurnal arsip (akun, pengaturan, "
                                 "rapat dan jejak audit tetap)")
    rb.add_argument("--backup", type=Path, default=None, metavar="FOLDER",
                    help="ambil akun, pengaturan, rapat dan jejak audit dari folder cadangan "
                         "ini (bila berkas database rusak atau hilang)")
    rb.add_argument("--dari-server-lain", action="store_true", dest="foreign",
                    help=FOREIGN_HELP)
    hs = command(sub, "history", "daftar muatan")
    hs.add_argument("--wilayah", help="hanya wilayah ini (kode)")
    for name, text in (("activate", "aktifkan lagi muatan lama (yang sudah digantikan)"),
                       ("withdraw", "tarik muatan aktif (tetap ada di riwayat)")):
        sp = command(sub, name, text)
        sp.add_argument("load_id", type=_integer, metavar="ID_MUATAN",
                        help="nomor muatan (lihat perintah history)")

    bk = command(sub, "backup", "ekspor seluruh database dan arsip ke satu folder")
    bk.add_argument("--out", type=Path, metavar="FOLDER", help="folder tujuan")
    rs = command(sub, "restore", "ganti database dengan folder atau zip cadangan (database "
                                 "yang diganti disisihkan, tidak dihapus)")
    rs.add_argument("backup_dir", type=Path, metavar="CADANGAN",
                    help="folder cadangan atau berkas zip-nya")
    rs.add_argument("--dari-server-lain", action="store_true", dest="foreign",
                    help=FOREIGN_HELP)

    us = command(sub, "user", "kelola akun (add, list, set)")
    usub = us.add_subparsers(dest="user_command", required=True, metavar="PERINTAH",
                             help="salah satu perintah ini")
    ua = command(usub, "add", "buat akun (kata sandi ditanyakan)")
    ua.add_argument("username", metavar="NAMA_PENGGUNA", help="nama untuk masuk")
    ua.add_argument("--role", required=True, choices=list(ROLE_CHOICES), metavar="PERAN",
                    help="admin, operator atau pimpinan")
    ua.add_argument("--nama", required=True, help="nama lengkap")
    ua.add_argument("--opd", help="kode OPD (wajib untuk operator; harus ada di masterplan "
                                  "aktif wilayahnya)")
    ua.add_argument("--wilayah", help="kode wilayah (bawaan: semua wilayah)")
    ua.add_argument("--password-stdin", action="store_true",
                    help="baca kata sandi dari masukan standar, bukan ditanyakan")
    command(usub, "list", "daftar akun")
    ust = command(usub, "set", "ubah akun: status, kata sandi, peran, OPD, wilayah")
    ust.add_argument("username", metavar="NAMA_PENGGUNA", help="akun yang diubah")
    ust.add_argument("--aktif", choices=["ya", "tidak"], metavar="ya|tidak",
                     help="aktifkan atau nonaktifkan akun")
    ust.add_argument("--password-stdin", action="store_true",
                     help="ganti kata sandi dengan yang dibaca dari masukan standar")
    ust.add_argument("--role", choices=list(ROLE_CHOICES), metavar="PERAN",
                     help="peran baru: admin, operator atau pimpinan (selain operator, OPD "
                          "akun dilepas)")
    ust.add_argument("--opd", help="OPD baru untuk operator (harus ada di masterplan aktif "
                                   "wilayahnya)")
    ust.add_argument("--wilayah", help="ikat ke satu kode wilayah ('*' = semua wilayah)")

    se = command(sub, "setting", "tampilkan atau ubah pengaturan aturan (list, set, reset)")
    ssub = se.add_subparsers(dest="setting_command", required=True, metavar="PERINTAH",
                             help="salah satu perintah ini")
    for name, text in (("list", "setiap pengaturan dengan nilai dan asalnya"),
                       ("set", "simpan nilai (JSON atau teks: 10, 80.5, [9, 30], "
                               "2026-08-17,2026-12-01)"),
                       ("reset", "hapus nilai tersimpan (berlaku nilai nasional atau bawaan)")):
        sp = command(ssub, name, text)
        if name != "list":
            sp.add_argument("name", metavar="NAMA", help="nama pengaturan (lihat setting list)")
        if name == "set":
            sp.add_argument("value", metavar="NILAI", help="nilai baru")
        sp.add_argument("--wilayah", default="*",
                        help="kode wilayah (bawaan '*': semua wilayah)")

    au = command(sub, "audit", "tampilkan jejak audit")
    au.add_argument("--limit", type=_integer, default=50, metavar="JUMLAH",
                    help="jumlah baris terbaru (bawaan 50)")
    _mapping_parsers(sub, command)
    return p


def _mapping_parsers(sub: Any, command: Any) -> None:
    """``pemetaan usul|simpan|daftar`` and ``e81`` (etl/mapping.py, etl/e81_export.py)."""
    pm = command(sub, "pemetaan", "petakan nama program dan indikator formulir OPD (E.81) ke "
                                  "kode masterplan (usul, simpan, daftar)")
    psub = pm.add_subparsers(dest="mapping_command", required=True, metavar="PERINTAH",
                             help="salah satu perintah ini")
    pu = command(psub, "usul", "tulis lembar pemetaan (CSV: jenis, teks, kode, skor) berisi "
                               "teks yang belum dipetakan dengan kode yang paling mirip")
    pu.add_argument("files", nargs="+", type=Path, metavar="BERKAS",
                    help="formulir E.81 (.xlsx, .xls atau .ods)")
    pu.add_argument("--opd", help="kode OPD formulir ini")
    pu.add_argument("--wilayah", help="kode wilayah (bawaan: dari judul formulir)")
    pu.add_argument("--tahun", type=_integer, help="tahun formulir")
    pu.add_argument("-o", "--output", type=Path, metavar="BERKAS",
                    help="berkas CSV tujuan (bawaan: layar)")
    ps = command(psub, "simpan", "simpan baris lembar pemetaan yang kolom kode-nya terisi "
                                 "('-' = bukan bagian masterplan)")
    ps.add_argument("csv_file", type=Path, metavar="CSV", help="lembar pemetaan")
    ps.add_argument("--wilayah", help="kode wilayah untuk baris tanpa kolom wilayah")
    pd_ = command(psub, "daftar", "tampilkan pemetaan yang berlaku")
    pd_.add_argument("--wilayah", help="hanya wilayah ini")
    pd_.add_argument("--riwayat", action="store_true",
                     help="juga pemetaan lama yang sudah dikoreksi")
    ex = command(sub, "e81", "tulis formulir E.81 (Evaluasi Hasil Renja) terisi dari database")
    ex.add_argument("--opd", help="kode OPD (bawaan: semua OPD, satu sheet per OPD)")
    ex.add_argument("--tahun", type=_integer, required=True, help="tahun")
    ex.add_argument("--tw", type=_tw, required=True, help="sampai triwulan (1-4 atau I-IV)")
    ex.add_argument("--wilayah", help="kode wilayah (bawaan: satu-satunya wilayah yang dimuat)")
    ex.add_argument("-o", "--output", type=Path, metavar="BERKAS", help="berkas tujuan")


def _cmd_pemetaan(args: argparse.Namespace, db_path: Path) -> int:
    from etl import mapping
    from monev.store import db
    from monev.store import mapping as store
    if not db_path.exists():
        print(f"Database {db_path} belum ada. Muat masterplan dulu.", file=sys.stderr)
        return 1
    if args.mapping_command == "daftar":
        with db.opened(db_path, read_only=True, retries=50) as con:
            df = store.listing(con, args.wilayah, args.riwayat)
        print(df.to_string(index=False) if len(df) else "Belum ada pemetaan.")
        return 0
    if args.mapping_command == "usul":
        _, scope = _account_scope(db_path, _name(args))
        expect = Expect(opd=args.opd.upper() if args.opd else None, year=args.tahun,
                        region=args.wilayah, region_scope=scope)
        try:
            files = [(str(p), p.read_bytes()) for p in args.files]
        except OSError as exc:
            print(f"File tidak dapat dibaca: {exc.filename}", file=sys.stderr)
            return 1
        with db.opened(db_path, read_only=True, retries=50) as con:
            try:
                proposals = mapping.propose(con, files, expect)
            except mapping.MappingRefused as exc:
                print(str(exc), file=sys.stderr)
                return 1
        text = mapping.write_csv(proposals)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
            filled = sum(p.best is not None for p in proposals)
            print(f"{len(proposals)} teks perlu dipetakan ({filled} dengan usulan kode) ditulis "
                  f"ke {args.output}. Periksa kolom kode, lalu: python -m etl pemetaan simpan "
                  f"{args.output}")
        else:
            print(text, end="")
        return 0
    try:
        text = args.csv_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        print(f"Lembar pemetaan {args.csv_file} tidak dapat dibaca (perlu CSV UTF-8).",
              file=sys.stderr)
        return 1
    _, scope = _account_scope(db_path, _name(args))
    with db.opened(db_path, retries=50) as con:
        try:
            rows = mapping.read_csv(text, args.wilayah or scope)
            if scope and any(r[0] != scope for r in rows):
                raise mapping.MappingRefused(f"Akun Anda hanya untuk wilayah {scope}; lembar "
                                             "ini memetakan wilayah lain. Tidak ada yang "
                                             "disimpan.")
            done = mapping.save_rows(con, rows, actor=_actor(args))
        except mapping.MappingRefused as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"Pemetaan disimpan: {done.added} baru, {done.changed} dikoreksi, {done.same} sudah "
          "sama.")
    return 0


def _cmd_e81(args: argparse.Namespace, db_path: Path) -> int:
    from etl.e81_export import write_e81
    from monev.store import db
    if not db_path.exists():
        print(f"Database {db_path} belum ada. Muat masterplan dulu.", file=sys.stderr)
        return 1
    with db.opened(db_path, read_only=True, retries=20) as con:
        region = args.wilayah or _only_region(con)
        opd = args.opd.upper() if args.opd else None
        out = args.output or Path(f"E81_{opd or 'semua'}_{args.tahun}_TW{args.tw}.xlsx")
        try:
            write_e81(con, out, region, opd, args.tahun, args.tw)
        except LookupError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(f"Formulir E.81 ditulis ke {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    from monev.store.db import default_db_path
    db_path = args.db or default_db_path()
    handler = globals()[f"_cmd_{args.command}"]
    from monev.store import db, snapshots
    from monev.store.db import DatabaseBusy, DatabaseMissing
    try:
        before = db.file_stamp(db_path)
        status = handler(args, Path(db_path))
        # Cluster (deploy/cluster/): a command that wrote publishes a snapshot for the
        # replicas (a load already did, on its own connection).
        if (args.command != "load" and snapshots.publishing(db_path)
                and db.file_stamp(db_path) != before and Path(db_path).exists()):
            snapshots.publish_path(db_path)
        return status
    except snapshots.SnapshotError as exc:
        print(f"Perubahan tersimpan di database, tetapi snapshot untuk replika gagal dibuat "
              f"({exc}). Jalankan 'python -m monev.store.snapshots publish' agar replika "
              "menampilkannya.", file=sys.stderr)
        return 1
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
                changes = accounts.set_user(
                    con, args.username, actor=_actor(args),
                    active=None if args.aktif is None else args.aktif == "ya",
                    password=_password(args) if args.password_stdin else None,
                    role=args.role, opd_code=args.opd, region_code=args.wilayah)
                print(f"Akun {args.username} diperbarui." if changes
                      else f"Akun {args.username} tidak berubah.")
            else:
                print(user_table(accounts.users(con)))
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    return 0


def user_table(users: Any) -> str:
    """``user list`` as text (``users``: ``accounts.users``' DataFrame): Indonesian headings,
    '–' for an empty field (never NaN/NaT), 'ya'/'tidak', times as '30 September 2025 14.05'."""
    import pandas as pd

    from monev.ui.format import KOSONG, tanggal_jam

    if users.empty:
        return "Belum ada akun."

    def text(value: object) -> str:
        return KOSONG if value is None or pd.isna(value) else str(value)

    shown = pd.DataFrame({
        "Nama pengguna": users["username"].map(text),
        "Nama": users["full_name"].map(text),
        "Peran": users["role"].map(text),
        "Wilayah": users["region_code"].map(text),
        "OPD": users["opd_code"].map(text),
        "Aktif": users["active"].map(lambda v: "ya" if v is True or v == 1 else "tidak"),
        "Gagal masuk": users["failed_attempts"].map(
            lambda v: "0" if v is None or pd.isna(v) else str(int(v))),
        "Terkunci sampai": users["locked_until"].map(tanggal_jam),
        "Dibuat": users["created_at"].map(tanggal_jam),
        "Dibuat oleh": users["created_by"].map(text),
    })
    return shown.to_string(index=False)


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
