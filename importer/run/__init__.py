"""Runs: passes over the inbox, the watch loop, the runtime, crash resumption, the lock."""
