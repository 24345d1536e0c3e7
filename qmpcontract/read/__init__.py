"""The ``read`` layer: raw bytes in, located values out.

Readers are lossless and keep locations; they know nothing about contracts,
rules or findings.
"""
