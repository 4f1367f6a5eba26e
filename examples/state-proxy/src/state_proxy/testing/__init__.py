"""Helpers for the example's tests and matrix.yaml: emulator launchers and cell settings.

They live in the package (not in tests/) so matrix.yaml can start them with
`python -m state_proxy.testing.NAME` from any working directory.
"""
