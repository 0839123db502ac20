"""Monitoring rules engine: the domain rules applied to the facts of an as-of view.

Every function takes a DuckDB connection, the region code and an ``AsOf`` (period viewed and
data cut-off) and returns plain pandas objects with English snake_case columns (``*_label``
columns carry the Bahasa Indonesia words). SQL lives in ``monev.store.facts``; rules come from
``monev.domain``. No streamlit, no plotly: pages cache and draw.
"""

from monev.engine.asof import AsOf, rules_for
from monev.engine.attainment import (
    dimension_attainment,
    indicator_attainment,
    indicator_series,
    masterplan_attainment,
    opd_attainment,
    program_attainment,
)
from monev.engine.budget import budget_summary
from monev.engine.flags import all_flags, flag_counts
from monev.engine.impact import rule_impact
from monev.engine.reporting import completeness_by_tw, report_completeness
from monev.engine.snapshot import Snapshot
from monev.engine.sources import data_freshness, trace, trace_indicator
from monev.engine.villages import village_milestones, village_rollout

__all__ = [
    "AsOf", "all_flags", "budget_summary", "completeness_by_tw", "data_freshness",
    "dimension_attainment", "flag_counts", "indicator_attainment", "indicator_series",
    "masterplan_attainment", "opd_attainment", "program_attainment", "report_completeness",
    "rule_impact", "Snapshot", "rules_for", "trace", "trace_indicator", "village_milestones",
    "village_rollout",
]
