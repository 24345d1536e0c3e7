"""The recorder: a lossless QMP proxy that writes qmpcontract's recording format.

``writer.py`` writes records (one JSON line each, flushed as written);
``proxy.py`` forwards bytes unchanged between a client and QEMU and records
every message of both directions; ``launch.py`` starts QEMU with a monitor of
its own behind the proxy.
"""
