"""Running processes: worker heartbeats, task-failure counts and the shared rate counters."""
