"""Entry point for ``python -m etl``."""

import shlex
import sys

OWN_PACKAGES = ("etl", "monev")


def _missing_dependency(exc: ModuleNotFoundError) -> int:
    """Say in Bahasa Indonesia how to run the command when this Python lacks the project's
    packages (run outside the virtual environment); exit status 1."""
    print(f"Python ini ({sys.executable}) tidak memiliki paket '{exc.name}' yang dibutuhkan "
          "Monev Smart City: perintah ini dijalankan di luar lingkungan virtual proyek. "
          "Jalankan dari folder proyek dengan Python lingkungan virtual, misalnya\n"
          "  .venv/bin/python -m etl " + shlex.join(sys.argv[1:]) + "\n"
          "atau lewat make, misalnya\n"
          "  make etl ARGS='user add admin.kominfo --role admin --nama \"Admin Diskominfo\"'\n"
          "('make run' atau 'make etl' membuat lingkungan virtual .venv bila belum ada).",
          file=sys.stderr)
    return 1


try:
    from etl.cli import main
    status = main()
except ModuleNotFoundError as exc:
    if (exc.name or "").split(".")[0] in OWN_PACKAGES:
        raise
    status = _missing_dependency(exc)
sys.exit(status)
