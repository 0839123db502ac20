-- Monev Smart City: the one DDL of the database.
--
-- Conventions
-- * Every fact table carries region_code (Kemendagri code of the kabupaten/kota, e.g. '35.23'),
--   so one database can hold several regions.
-- * Every fact row carries the load that brought it (load_id) and where it came from in that file
--   (src_sheet, src_row: the 1-based spreadsheet row number the user sees).
-- * Rows are never updated or deleted by a load. A load is "active" while an open interval in
--   load_activation says so; supersede and restore only open and close those intervals, so any
--   earlier state can be reconstructed for an as-of timestamp.

-- ---------------------------------------------------------------- reference areas (idn-area-data, ODbL 1.0)
CREATE TABLE IF NOT EXISTS ref_province (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ref_regency (
    code VARCHAR PRIMARY KEY,
    province_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ref_district (
    code VARCHAR PRIMARY KEY,
    regency_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS ref_village (
    code VARCHAR PRIMARY KEY,
    district_code VARCHAR NOT NULL,
    regency_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL            -- 'desa' (number >= 2001) | 'kelurahan' (1001..1999)
);

-- ---------------------------------------------------------------- settings as data
CREATE TABLE IF NOT EXISTS dimension (
    code VARCHAR PRIMARY KEY,        -- 'GOV', 'BRA', 'ECO', 'LIV', 'SOC', 'ENV'
    name VARCHAR NOT NULL UNIQUE,    -- 'Smart Governance', ...
    sort_order INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sub_dimension (
    dimension_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (dimension_code, name)
);
CREATE TABLE IF NOT EXISTS setting (
    region_code VARCHAR NOT NULL,    -- '*' for every region
    name VARCHAR NOT NULL,
    value_json VARCHAR NOT NULL,
    PRIMARY KEY (region_code, name)
);

-- ---------------------------------------------------------------- lineage
-- Ids are max + 1 under the single writer (no sequences): a rebuild or an
-- EXPORT/IMPORT DATABASE backup reproduces them exactly.
CREATE TABLE IF NOT EXISTS load (
    load_id INTEGER PRIMARY KEY,
    file_hash VARCHAR NOT NULL,      -- sha256 of the file bytes
    file_name VARCHAR NOT NULL,
    file_size BIGINT NOT NULL,
    kind VARCHAR NOT NULL,           -- 'masterplan' | 'laporan' | 'revisi' (masterplan revisions)
                                     -- | 'rfk' (monthly FORM RFK of a quarter's last month,
                                     -- etl/rfk.py: budget and fisik rows only; scope key
                                     -- '<region>|rfk|<opd>|<year>|<tw>', never a report)
    region_code VARCHAR NOT NULL,
    opd_code VARCHAR,                -- laporan only
    year INTEGER,                    -- laporan only
    tw INTEGER,                      -- laporan only, 1..4
    scope_key VARCHAR NOT NULL,      -- a newer load with the same scope supersedes the active one
    basis VARCHAR,                   -- 'tw' (value of this quarter) | 'sdtw' (declared cumulative)
    template_version VARCHAR,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    received_on DATE NOT NULL,       -- date the report reached Diskominfo (decides lateness)
    counts_json VARCHAR NOT NULL,    -- rows per table
    archive_path VARCHAR NOT NULL    -- relative to the archive root
);

CREATE TABLE IF NOT EXISTS load_activation (
    load_id INTEGER NOT NULL,
    active_from TIMESTAMP NOT NULL,
    active_until TIMESTAMP           -- NULL while active
);

CREATE TABLE IF NOT EXISTS load_event (
    event_id INTEGER PRIMARY KEY,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,         -- load | supersede | restore | delete | unchanged | reject | dry_run
    load_id INTEGER,
    file_hash VARCHAR,
    file_name VARCHAR,
    detail VARCHAR
);

CREATE TABLE IF NOT EXISTS load_issue (
    event_id INTEGER NOT NULL,       -- the 'reject' event
    file_name VARCHAR,
    sheet VARCHAR,
    row_no INTEGER,
    column_name VARCHAR,
    check_code VARCHAR NOT NULL,
    value VARCHAR,
    message VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- accounts and audit
CREATE TABLE IF NOT EXISTS app_user (
    username VARCHAR PRIMARY KEY,
    full_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,           -- admin | operator | pimpinan
    region_code VARCHAR,             -- NULL = every region
    opd_code VARCHAR,                -- operators only: the one OPD they report for
    password_hash VARCHAR NOT NULL,  -- argon2id; never the password
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL
);

-- Signed-in browsers, so a reload or a second tab stays signed in. The browser keeps a random
-- token in a cookie; only its SHA-256 is stored here (monev.store.accounts.start_session).
CREATE TABLE IF NOT EXISTS web_session (
    token_hash VARCHAR NOT NULL,
    username VARCHAR NOT NULL,
    signed_in_at TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    ended_at TIMESTAMP               -- signed out, expired, or the account was deactivated
);

-- Actions that are not loads (loads, supersedes, restores and rejections are in load_event).
CREATE TABLE IF NOT EXISTS audit_event (
    audit_id INTEGER PRIMARY KEY,
    event_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,         -- sign_in | sign_in_failed | sign_out | dry_run | user_add |
                                     -- user_change | settings_change | backup | template
    target VARCHAR,
    detail VARCHAR
);

-- ---------------------------------------------------------------- evaluation meetings
-- A meeting shows the data as it stood at its cut-off (loads_asof(cutoff)) under the rules
-- in force when it was created, so it looks the same however much is uploaded later.
CREATE TABLE IF NOT EXISTS meeting (
    meeting_id INTEGER PRIMARY KEY,
    region_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    tw INTEGER NOT NULL,
    cutoff TIMESTAMP NOT NULL,
    title VARCHAR NOT NULL,
    chair VARCHAR,
    rules_json VARCHAR NOT NULL,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Decisions taken in a meeting on a lagging item: what, which OPD, by when; and whether done.
CREATE TABLE IF NOT EXISTS followup (
    followup_id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL,
    flag_kind VARCHAR,
    opd_code VARCHAR,
    program_code VARCHAR,
    indicator_code VARCHAR,
    village_code VARCHAR,
    item_label VARCHAR NOT NULL,
    decision VARCHAR NOT NULL,
    due_date DATE,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'terbuka',   -- terbuka | selesai | belum_selesai
    status_by VARCHAR,
    status_at TIMESTAMP,
    status_note VARCHAR
);

-- ---------------------------------------------------------------- masterplan facts
CREATE TABLE IF NOT EXISTS masterplan (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    title VARCHAR NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    legal_basis VARCHAR
);

CREATE TABLE IF NOT EXISTS opd (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    opd_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    short_name VARCHAR,
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS program (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    dimension_code VARCHAR NOT NULL,
    sub_dimension VARCHAR,
    horizon VARCHAR NOT NULL,        -- Quick Win | Jangka Pendek | Jangka Menengah | Jangka Panjang
    quick_win BOOLEAN NOT NULL,
    lead_opd_code VARCHAR NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    rpjmd_ref VARCHAR,
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS program_support (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    opd_code VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS indicator (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    indicator_code VARCHAR NOT NULL,
    program_code VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    polarity VARCHAR NOT NULL,       -- positif | negatif
    accumulation VARCHAR NOT NULL,   -- jumlah | posisi_akhir | rata_rata
    baseline DOUBLE,
    weight DOUBLE NOT NULL DEFAULT 1,
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS target (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    indicator_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    tw INTEGER NOT NULL,             -- 0 = annual target; 1..4 = quarterly target of the action plan
    value DOUBLE NOT NULL,
    value_max DOUBLE,                -- upper bound of a range target
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS village_plan (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    funding_year INTEGER NOT NULL,
    route VARCHAR NOT NULL,          -- apbdes | apbd
    funding_source VARCHAR NOT NULL,
    src_sheet VARCHAR, src_row INTEGER
);

-- ---------------------------------------------------------------- quarterly report facts
CREATE TABLE IF NOT EXISTS realisation (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    indicator_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    tw INTEGER NOT NULL,
    value DOUBLE NOT NULL,
    basis VARCHAR NOT NULL,          -- tw | sdtw
    note VARCHAR,
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS budget (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    tw INTEGER NOT NULL,
    funding_source VARCHAR NOT NULL,
    pagu DOUBLE NOT NULL,            -- rupiah, for the year as of this TW
    realisasi DOUBLE,                -- rupiah, on the load's basis (this TW or s.d. TW)
    basis VARCHAR NOT NULL,
    over_pagu_ok BOOLEAN NOT NULL DEFAULT FALSE,
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS program_progress (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    tw INTEGER NOT NULL,
    fisik_pct DOUBLE,                -- physical progress s.d. TW, 0..100
    kendala VARCHAR,
    tindak_lanjut VARCHAR,
    src_sheet VARCHAR, src_row INTEGER
);

CREATE TABLE IF NOT EXISTS village_stage (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    village_code VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    reached_on DATE NOT NULL,
    note VARCHAR,
    src_sheet VARCHAR, src_row INTEGER
);

-- ---------------------------------------------------------------- Smart City evaluation (Kominfo/Komdigi, issue 30)
-- Written only by monev/store/evaluation.py. Not journaled: a rebuild carries these tables over
-- (etl/rebuild.py KEPT_TABLES) and a backup exports them like every table. Survey files are
-- archived by sha256 beside the workbooks (data/archive/files/), not replayed.
-- One edition per region and year. The five dimensions' weights (%, summing to 100), the score
-- scale's maximum and the survey's minimum respondents per program are data, never constants
-- (defaults in monev/domain/evaluation.py, domain.md §6, all *(setting)*). cutoff/tw: the frozen
-- view the Outcome and Quick Win proposals are computed from (like a meeting), rules_json the
-- monitoring rules frozen with it.
CREATE TABLE IF NOT EXISTS eval_edition (
    region_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    w_baseline DOUBLE NOT NULL, w_output DOUBLE NOT NULL, w_outcome DOUBLE NOT NULL,
    w_impact DOUBLE NOT NULL, w_quick_win DOUBLE NOT NULL,
    scale_max DOUBLE NOT NULL,
    min_respondents INTEGER NOT NULL,
    data_tw INTEGER,
    cutoff TIMESTAMP,
    rules_json VARCHAR,
    note VARCHAR,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (region_code, year)
);
-- A score per dimension (baseline | output | outcome | impact | quick_win) of an edition:
-- typed by the admin ('diisi') or a proposal from our data accepted ('usulan').
CREATE TABLE IF NOT EXISTS eval_score (
    region_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    dimension VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    origin VARCHAR NOT NULL,
    note VARCHAR,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (region_code, year, dimension)
);
-- Citizen surveys (Impact): one imported file per row; the latest active one of a region and
-- year counts. Per program: respondents and mean satisfaction; the free-text answers.
CREATE TABLE IF NOT EXISTS eval_survey (
    survey_id INTEGER PRIMARY KEY,
    region_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    file_hash VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    archive_path VARCHAR NOT NULL,
    scale_max DOUBLE NOT NULL,       -- the survey's own answer scale (e.g. 1..5)
    n_rows INTEGER NOT NULL,
    below_minimum_ok BOOLEAN NOT NULL DEFAULT FALSE,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS eval_survey_program (
    survey_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    n_respondents INTEGER NOT NULL,
    satisfaction DOUBLE NOT NULL     -- mean answer on the survey's scale
);
CREATE TABLE IF NOT EXISTS eval_survey_answer (
    survey_id INTEGER NOT NULL,
    program_code VARCHAR NOT NULL,
    src_row INTEGER NOT NULL,
    answer VARCHAR NOT NULL
);
-- Output: the evidence of each checklist item (dasar_hukum | sk_dewan | sk_tim | anggaran |
-- kelembagaan) of an edition: a document (PDF, PNG or JPEG, checked by its bytes, archived by
-- sha256 like workbooks) or an http(s) link. Removing one keeps the row (active = FALSE).
CREATE TABLE IF NOT EXISTS eval_evidence (
    evidence_id INTEGER PRIMARY KEY,
    region_code VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    item VARCHAR NOT NULL,
    note VARCHAR,
    url VARCHAR,
    file_hash VARCHAR,
    file_name VARCHAR,
    file_type VARCHAR,               -- pdf | png | jpeg
    file_size BIGINT,
    archive_path VARCHAR,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL
);
-- The public page of a region: off unless an admin switches it on.
CREATE TABLE IF NOT EXISTS public_page (
    region_code VARCHAR PRIMARY KEY,
    enabled BOOLEAN NOT NULL,
    updated_by VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- ---------------------------------------------------------------- masterplan revisions
-- Masterplan revisions (domain.md 3b): rows of a "Revisi" sheet, either in a masterplan
-- workbook (they belong to that masterplan load) or in a revision workbook of its own (load
-- kind 'revisi', scope key '<region>|revisi|<sha256>': one revision never supersedes another;
-- withdrawing one is the usual delete of its load). The original targets are never changed:
-- monev/engine/revisions.py applies the rows in force at a view's date.
CREATE TABLE IF NOT EXISTS revision (
    region_code VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    kind VARCHAR NOT NULL,           -- ditunda | dijadwal_ulang | target_diubah | dibatalkan |
                                     -- ditambah
    program_code VARCHAR NOT NULL,
    indicator_code VARCHAR,          -- NULL = the whole program
    year INTEGER NOT NULL,           -- the year concerned (ditunda/dijadwal ulang: the original)
    new_year INTEGER,                -- ditunda / dijadwal ulang
    tw INTEGER,                      -- a quarterly target (1..4); NULL = the annual one
    new_target DOUBLE,               -- target diubah / ditambah
    reason VARCHAR NOT NULL,
    legal_number VARCHAR NOT NULL,
    legal_date DATE NOT NULL,
    effective_date DATE NOT NULL,
    src_sheet VARCHAR, src_row INTEGER
);

-- ---------------------------------------------------------------- names mapped once (E.81 intake)
-- What an OPD's own form (the E.81 Renja evaluation) calls a program or an indicator, mapped
-- once per region by an admin to a masterplan code ('-' = not part of the masterplan: its rows
-- are skipped). A row is never changed in place: a correction closes it (replaced_at) and adds
-- a new one, so a load replayed at its own time (etl rebuild) resolves every text as it did.
-- An E.81 load is a load of kind 'laporan' (it supersedes and is superseded like a template
-- report); its load event's detail names the mapping ids it used ("pemetaan").
CREATE TABLE IF NOT EXISTS text_mapping (
    mapping_id INTEGER PRIMARY KEY,
    region_code VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,           -- program | indikator
    text_key VARCHAR NOT NULL,       -- the text without case, spacing or punctuation
    text VARCHAR NOT NULL,           -- as the file wrote it
    code VARCHAR NOT NULL,           -- masterplan code, or '-' (not in the masterplan)
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    replaced_at TIMESTAMP,           -- NULL while in force
    replaced_by VARCHAR
);

-- ---------------------------------------------------------------- pre-aggregated current state
-- Written only by monev/store/current.py (refresh), read by the national roll-up; see there.
-- (cur_target, the pivoted targets, was dropped on 2026-12-03: see current.py.)
DROP TABLE IF EXISTS cur_target;
-- Latest active realisation per TW (r1..r4) and whether it was reported s.d. TW (s1..s4).
CREATE TABLE IF NOT EXISTS cur_realisation (
    region_code VARCHAR NOT NULL, indicator_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    r1 DOUBLE, r2 DOUBLE, r3 DOUBLE, r4 DOUBLE, s1 BOOLEAN, s2 BOOLEAN, s3 BOOLEAN, s4 BOOLEAN
);
-- Every planned village of the active masterplans with the first date (days since 1970-01-01)
-- each stage after Rencana was reported (d1..d7); region_no/village_no: the codes as integers.
CREATE TABLE IF NOT EXISTS cur_village (
    region_code VARCHAR NOT NULL, program_code VARCHAR NOT NULL, village_code VARCHAR NOT NULL,
    funding_year INTEGER NOT NULL, apbdes BOOLEAN NOT NULL, region_no INTEGER NOT NULL,
    village_no BIGINT NOT NULL,
    d1 INTEGER, d2 INTEGER, d3 INTEGER, d4 INTEGER, d5 INTEGER, d6 INTEGER, d7 INTEGER
);
-- The activation fingerprint each region's rows were built from (stale rows are not read).
CREATE TABLE IF NOT EXISTS cur_state (
    region_code VARCHAR PRIMARY KEY,
    fingerprint VARCHAR NOT NULL
);

-- ---------------------------------------------------------------- current state
-- Loads active now. As-of views use loads_asof(ts) below.
CREATE OR REPLACE VIEW active_load AS
    SELECT l.* FROM load l
    WHERE EXISTS (SELECT 1 FROM load_activation a
                  WHERE a.load_id = l.load_id AND a.active_until IS NULL);

-- One audit trail: load events and other actions together.
CREATE OR REPLACE VIEW audit_trail AS
    SELECT event_at, actor, action, coalesce(file_name, CAST(load_id AS VARCHAR)) AS target,
           detail, 'load_event' AS source FROM load_event
    UNION ALL
    SELECT event_at, actor, action, target, detail, 'audit_event' FROM audit_event;

-- Load ids active at timestamp ts (the state a meeting or an as-of view sees).
CREATE OR REPLACE MACRO loads_asof(ts) AS TABLE
    SELECT DISTINCT a.load_id FROM load_activation a
    WHERE a.active_from <= ts AND (a.active_until IS NULL OR a.active_until > ts);

-- ---------------------------------------------------------------- schema version
-- Digest of this file as last applied (monev.store.db.init_schema skips a database that has it).
CREATE TABLE IF NOT EXISTS schema_info (
    digest VARCHAR NOT NULL
);
