"""Nimbus's Python runtime, imported by ../bootstrap.py (docs/runtime-contract.md).

A package with a name of its own, so that none of its modules can shadow or be
shadowed by a module of the function (``context``, ``client``, ...).
"""
