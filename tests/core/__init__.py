"""Tests of tapkit's mechanisms and the contract every tap keeps."""
