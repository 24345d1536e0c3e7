"""Load, check and write contracts (``contracts/<id>/<version>.json``).

>>> from qmpcontract.contract import load_contracts
>>> contracts = load_contracts()          # the contracts shipped with qmpcontract
>>> contracts.latest("block-jobs").event("BLOCK_JOB_COMPLETED").lifecycle.status.value
'stable'
"""

from qmpcontract.contract.dump import contract_to_json
from qmpcontract.contract.loader import LintResult, lint_paths, load_contracts
from qmpcontract.contract.problems import ContractLoadError, Problem, ProblemCode

__all__ = [
    "ContractLoadError",
    "LintResult",
    "Problem",
    "ProblemCode",
    "contract_to_json",
    "lint_paths",
    "load_contracts",
]
