"""Importers: QEMU's own descriptions of its API, turned into snapshots and contracts.

``introspection.py`` reads a ``query-qmp-schema`` reply (raw, or found inside any
transcript); the QAPI front end reads ``qapi/*.json`` sources.  Both produce a
:class:`~qmpcontract.model.qemu_api.ApiSnapshot`, which ``to_contract.py``
turns into a snapshot contract: every command, event and type as JSON Schema.
"""
