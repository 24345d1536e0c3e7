"""What libvirt depends on in QMP, shipped as data, and libvirt's schema probes evaluated.

``libvirt-usage.json`` (next to this package) holds, for each libvirt release it
knows, the capability probes libvirt runs on ``query-qmp-schema`` (with the
``QEMU_CAPS_*`` flag each sets), the commands, QOM types and migration
capabilities it probes, the commands it sends, the events it handles and the
error classes it matches.  ``build.py`` makes it from the corpus
(``qmpcontract libvirt-usage build``), never by hand; ``usage.py`` reads it
(:func:`~qmpcontract.libvirt.usage.load_usage`); ``probes.py`` evaluates a
probe on any :class:`~qmpcontract.model.qemu_api.ApiSnapshot` (an
introspection or a QAPI tree) and says which probes flip between two.
"""
