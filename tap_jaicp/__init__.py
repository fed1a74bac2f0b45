"""tap-jaicp: JAICP sessions, their messages and clients, from the Reporter API."""
