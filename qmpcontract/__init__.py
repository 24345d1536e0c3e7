"""qmpcontract: executable, versioned contracts for QEMU's QMP interface.

The package is a layered pipeline (see ``ARCHITECTURE.md``): ``read`` turns bytes
into located values, ``model`` holds frozen typed objects, ``contract`` loads and
validates contract files into the model, and ``report`` renders diagnostics.
"""

__version__ = "0.1.0"
