"""The transcript checker: sessions in, findings out (reads only ``model``).

>>> from qmpcontract.check import CheckOptions, check_items
"""

from qmpcontract.check.engine import CheckOptions, CheckResult, Summary, check_items

__all__ = ["CheckOptions", "CheckResult", "Summary", "check_items"]
