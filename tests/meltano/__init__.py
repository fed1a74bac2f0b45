"""Tests of the taps in Meltano: loaders, warehouses, packaging, release and the docs' snippets."""
