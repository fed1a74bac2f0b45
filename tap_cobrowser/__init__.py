"""tap-cobrowser: CoBrowser.net's fifteen CSV exports, dated ones over two-day windows."""
