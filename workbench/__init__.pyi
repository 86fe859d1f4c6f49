# Types of the analyst's API for IDEs and type checkers: `workbench/__init__.py` imports these
# names on first use (PEP 562), which static tools cannot follow.
from workbench.eligibility.assess import Assessment as Assessment
from workbench.eligibility.assess import assess as assess
from workbench.eligibility.assess import link as link
from workbench.eligibility.assess import load as load
from workbench.eligibility.assess import rule_set as rule_set
from workbench.errors import DataFileError as DataFileError
from workbench.errors import RuleFileError as RuleFileError
from workbench.errors import UsageError as UsageError
from workbench.errors import WorkbenchError as WorkbenchError
from workbench.review.store import ReviewStore as ReviewStore
from workbench.rules.describe import describe_rule_set as describe
from workbench.runs.report import run_report as run_report
from workbench.stats.takeup import take_up as take_up

__version__: str
__all__ = [
    "Assessment",
    "DataFileError",
    "ReviewStore",
    "RuleFileError",
    "UsageError",
    "WorkbenchError",
    "__version__",
    "assess",
    "describe",
    "link",
    "load",
    "rule_set",
    "run_report",
    "take_up",
]
