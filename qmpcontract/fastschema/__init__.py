"""JSON Schema compiled to fast yes/no checks (see :mod:`.compiler`)."""

from qmpcontract.fastschema.closures import Check, Unsupported
from qmpcontract.fastschema.compiler import Compiler

__all__ = ["Check", "Compiler", "Unsupported"]
