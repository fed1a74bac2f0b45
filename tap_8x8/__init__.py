"""tap-8x8: 8x8 Contact Center real-time agent and queue statistics, as snapshots."""
