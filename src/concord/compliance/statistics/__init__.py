"""Verification statistics: pure functions over declared and measured quantities.

Modelled on IAEA safeguards nuclear-material accountancy and EITI reconciliation; see
``docs/statistics.md`` for formulas, worked examples and references.

* :mod:`.uncertainty` — random and systematic uncertainty per measurement method;
* :mod:`.item_test` — one declaration against one measurement;
* :mod:`.d_statistic` — total under-declaration over a sampled population;
* :mod:`.sampling` — attribute sample sizes;
* :mod:`.cusum` — Page's CUSUM over successive periods;
* :mod:`.materiality` — the EITI margin of variance.

Sign convention everywhere: ``d = declared − measured``, so under-declaration is
negative (CUSUM scores flip it, so under-reporting accumulates upwards).
"""

from .cusum import (
    AverageRunLength,
    CusumResult,
    alarm_probability_within,
    average_run_length,
    cusum,
    markov_chain_arl,
    siegmund_arl,
    under_reporting_scores,
)
from .d_statistic import DStatisticResult, StratumD, d_statistic, stratum_d
from .item_test import (
    ItemTestBatch,
    ItemTestResult,
    detection_probability,
    item_test,
    k_for_false_alarm,
)
from .materiality import MaterialityAssessment, assess_materiality, is_material
from .sampling import (
    AttributeSamplePlan,
    attribute_detection_probability,
    attribute_sample_size,
    min_falsified_items,
)
from .uncertainty import (
    DEFAULT_UNCERTAINTIES,
    MethodUncertainty,
    PairedUncertaintyEstimate,
    UncertaintyTable,
    estimate_uncertainty_from_pairs,
)

__all__ = [
    "DEFAULT_UNCERTAINTIES",
    "AttributeSamplePlan",
    "AverageRunLength",
    "CusumResult",
    "DStatisticResult",
    "ItemTestBatch",
    "ItemTestResult",
    "MaterialityAssessment",
    "MethodUncertainty",
    "PairedUncertaintyEstimate",
    "StratumD",
    "UncertaintyTable",
    "alarm_probability_within",
    "assess_materiality",
    "attribute_detection_probability",
    "attribute_sample_size",
    "average_run_length",
    "cusum",
    "d_statistic",
    "detection_probability",
    "estimate_uncertainty_from_pairs",
    "is_material",
    "item_test",
    "k_for_false_alarm",
    "markov_chain_arl",
    "min_falsified_items",
    "siegmund_arl",
    "stratum_d",
    "under_reporting_scores",
]
