"""``qmpcontract fuzz``: drive a live QEMU with requests generated from the contracts.

``targets.py`` decides which commands may be sent (read-only ones only);
``requests.py`` generates conforming and non-conforming requests from seeds;
``session.py`` talks to QEMU through ``qemu.qmp`` behind the recorder;
``verdict.py`` checks the recording and turns findings into located failures;
``run.py`` ties them together.
"""
