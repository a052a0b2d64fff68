"""Evidence for the self-assessment computed from operations.

- `common`: the population, thresholds, `Metric`, the period's `Scope` (one scan of counts);
- `criterion34`: every criterion-3.4 metric and `criterion_34()`, which decides 3.4's items;
- `criterion31`, `criterion32`, `criterion33`: the computed metrics of criteria 3.1-3.3;
- `needs`: their thresholds, `computed()` (the metrics by item) and `prefill()` (the facts
  offered for 3.1-3.3, with each item's metrics).
"""

from assessment.evidence.common import DEFAULT_THRESHOLDS, Metric, Scope, population, thresholds
from assessment.evidence.criterion34 import (
    METRICS,
    acknowledged_within_a_working_day,
    criterion_34,
    median_acknowledgement,
    overdue_share,
)
from assessment.evidence.needs import NEEDS_THRESHOLDS, needs_thresholds, prefill

__all__ = [
    "DEFAULT_THRESHOLDS",
    "METRICS",
    "NEEDS_THRESHOLDS",
    "Metric",
    "Scope",
    "acknowledged_within_a_working_day",
    "criterion_34",
    "median_acknowledgement",
    "needs_thresholds",
    "overdue_share",
    "population",
    "prefill",
    "thresholds",
]
