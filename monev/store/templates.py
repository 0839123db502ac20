"""Reads that pre-fill an OPD's quarterly report template from the active masterplan."""

from __future__ import annotations

import duckdb

ACC_LABELS = {"jumlah": "Jumlah", "posisi_akhir": "Posisi Akhir", "rata_rata": "Rata-rata"}


def prefill(con: duckdb.DuckDBPyConnection, region: str, opd: str, year: int,
            tw: int) -> dict[str, list[dict[str, object]]]:
    """Rows for each report sheet: the OPD's indicators, programs and planned villages."""
    values = {"region": region, "opd": opd, "year": year, "tw": tw}

    mp = """(SELECT m.load_id FROM masterplan m JOIN active_load a USING (load_id)
             WHERE m.region_code = $region)"""
    realisasi = con.execute(*_q(f"""
        SELECT i.indicator_code AS kode_indikator, i.program_code AS kode_program,
               i.name AS nama_indikator, i.unit AS satuan, i.accumulation AS akumulasi,
               ta.value AS target_tahun, tq.value AS target_tw
        FROM indicator i JOIN program p
          ON p.load_id = i.load_id AND p.program_code = i.program_code
        LEFT JOIN target ta ON ta.load_id = i.load_id AND ta.indicator_code = i.indicator_code
             AND ta.year = $year AND ta.tw = 0
        LEFT JOIN target tq ON tq.load_id = i.load_id AND tq.indicator_code = i.indicator_code
             AND tq.year = $year AND tq.tw = $tw
        WHERE i.load_id IN {mp} AND p.lead_opd_code = $opd
          AND p.start_year <= $year AND p.end_year >= $year
        ORDER BY i.program_code, i.indicator_code""", values)).df()
    programs = con.execute(*_q(f"""
        SELECT program_code AS kode_program, name AS nama_program FROM program
        WHERE load_id IN {mp} AND lead_opd_code = $opd
          AND start_year <= $year AND end_year >= $year
        ORDER BY program_code""", values)).df()
    # Funding sources already reported this year for each program (else one blank row).
    sources = con.execute(*_q("""
        SELECT DISTINCT b.program_code, b.funding_source, last_value(b.pagu) OVER (
                   PARTITION BY b.program_code, b.funding_source ORDER BY b.tw
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS pagu
        FROM budget b JOIN active_load a USING (load_id)
        WHERE a.region_code = $region AND a.opd_code = $opd AND b.year = $year
          AND b.tw < $tw""", values)).df()
    villages = con.execute(*_q(f"""
        SELECT vp.program_code AS kode_program, vp.village_code AS kode_desa,
               v.name AS nama_desa, d.name AS kecamatan, s.stage AS tahap,
               s.reached_on AS tanggal_tahap
        FROM village_plan vp
        JOIN program p ON p.load_id = vp.load_id AND p.program_code = vp.program_code
        JOIN ref_village v ON v.code = vp.village_code
        JOIN ref_district d ON d.code = v.district_code
        LEFT JOIN (
            SELECT program_code, village_code, arg_max(stage, reached_on) AS stage,
                   max(reached_on) AS reached_on
            FROM village_stage vs JOIN active_load a USING (load_id)
            WHERE a.region_code = $region
            GROUP BY ALL) s
          ON s.program_code = vp.program_code AND s.village_code = vp.village_code
        WHERE vp.load_id IN {mp} AND p.lead_opd_code = $opd
        ORDER BY vp.program_code, vp.village_code""", values)).df()
    realisasi["akumulasi"] = realisasi["akumulasi"].map(ACC_LABELS)
    budget_rows = []
    for prog in programs.itertuples():
        known = sources[sources["program_code"] == prog.kode_program]
        for src in (known.itertuples() if not known.empty else [None]):
            budget_rows.append({"kode_program": prog.kode_program,
                                "nama_program": prog.nama_program,
                                "sumber_dana": src.funding_source if src else None,
                                "pagu": src.pagu if src else None})
    return {
        "realisasi": _records(realisasi),
        "anggaran": budget_rows,
        "fisik": _records(programs),
        "desa": _records(villages),
    }


def _records(df) -> list[dict[str, object]]:
    return [{k: (None if v is None or v != v else v) for k, v in r.items()}
            for r in df.to_dict("records")]


def _q(sql: str, values: dict[str, object]) -> tuple[str, dict[str, object]]:
    """The SQL with only the named parameters it uses (DuckDB refuses extra ones)."""
    return sql, {k: v for k, v in values.items() if f"${k}" in sql}
