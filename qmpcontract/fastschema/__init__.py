"""JSON Schema compiled to fast yes/no checks (see :mod:`.compiler`)."""

from qmpcontract.fastschema.compiler import Check, Compiler, Unsupported, json_equal

__all__ = ["Check", "Compiler", "Unsupported", "json_equal"]
