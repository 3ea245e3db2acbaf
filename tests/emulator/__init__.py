"""Tests of the emulator (realtimekit_async.testing), one module per emulator module."""
