"""The ``model`` layer: frozen, typed objects with names resolved.

Nothing here reads files or renders output.  Consumers (the checker, the
differ, the generators, the docs) read only these objects.
"""
