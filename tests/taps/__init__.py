"""Tests of each tap's own hard parts, its vendor's published schemas and its emulator."""
