"""Keeping tokens usable: single_flight (one refresh across processes), batch (many at
once), schedule (when, without being asked), watch (`refresh --watch`), and hooks."""
