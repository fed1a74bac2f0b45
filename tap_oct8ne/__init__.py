"""tap-oct8ne: Oct8ne chat sessions and leads, exported over 31-day windows."""
