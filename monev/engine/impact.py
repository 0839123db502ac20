"""What a change of the rule settings would do to one region's figures, before it is saved."""

from __future__ import annotations

import pandas as pd

from monev.domain.bands import BANDS, NA
from monev.domain.settings import Rules
from monev.engine.asof import AsOf
from monev.engine.attainment import masterplan_attainment, program_attainment
from monev.engine.flags import all_flags, flag_counts
from monev.engine.snapshot import Source

OVERALL = "Pita capaian keseluruhan"


def figures(con: Source, region: str, asof: AsOf, rules: Rules) -> dict[str, object]:
    """The figures the rule settings decide, in display order: the overall band, programs per
    band and early warnings per kind."""
    overall = masterplan_attainment(con, region, asof, rules)
    out: dict[str, object] = {OVERALL: f"{overall['band_code']} – {overall['band_label']}"}
    counts = program_attainment(con, region, asof, rules)["band_code"].value_counts()
    out.update((f"Program {b.code} – {b.label}", int(counts.get(b.code, 0)))
               for b in BANDS if b is not NA)
    flags = flag_counts(all_flags(con, region, asof, rules), asof)
    out.update((f"Tanda {label}", int(n))
               for label, n in zip(flags["label"], flags["n"], strict=True))
    return out


def rule_impact(con: Source, region: str, asof: AsOf, before: Rules,
                after: Rules) -> pd.DataFrame:
    """Each figure under the rules in force and under the proposed ones: columns measure,
    before, after, changed (bool)."""
    now, then = figures(con, region, asof, before), figures(con, region, asof, after)
    return pd.DataFrame({"measure": list(now), "before": list(now.values()),
                         "after": [then[k] for k in now],
                         "changed": [now[k] != then[k] for k in now]})
