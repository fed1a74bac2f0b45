"""tap-chattonic: Chat-Tonic operator statistics per local day and the hourly dashboard."""
