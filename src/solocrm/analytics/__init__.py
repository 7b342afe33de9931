"""Pure numerical analytics for Solo CRM.

Nothing in this package imports Django. Estimators follow the scikit-learn contract:
hyper-parameters in ``__init__``, ``fit`` returns ``self``, learned attributes end in
``_`` and randomness enters through ``random_state``.

The names below are the entry points for analysing a transaction file end to end
(``solocrm analyze`` uses them). They are imported on first use, so importing one
model module does not load the others.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "AnalysisError": "solocrm.analytics.report",
    "AnalysisReport": "solocrm.analytics.report",
    "AnalysisSettings": "solocrm.analytics.report",
    "analyze_transactions": "solocrm.analytics.report",
    "summary_text": "solocrm.analytics.report_output",
    "write_report": "solocrm.analytics.report_output",
    "TransactionFile": "solocrm.analytics.io",
    "TransactionFileError": "solocrm.analytics.io",
    "read_transactions": "solocrm.analytics.io",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'solocrm.analytics' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
