"""JSON Schema compiled to fast yes/no checks (see :mod:`.compiler`)."""

from qmpcontract.fastschema.compiler import Check, Compiler, Unsupported

__all__ = ["Check", "Compiler", "Unsupported"]
