"""One module per tap, each defining `CASE` (see tests/tap_cases.py)."""
