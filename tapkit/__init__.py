"""Shared core of the chat and contact-center taps.

Date windows, the request throttle, secret scrubbing, record typing (JSON and CSV), the
base stream and tap classes: what all five taps need,
written once so each tap stays thin.
"""
