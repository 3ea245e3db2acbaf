"""Private implementation of :mod:`realtimekit_async.testing` (the in-process emulator)."""
