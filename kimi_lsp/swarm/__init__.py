"""The editor-agnostic swarm engine: plan, schedule, merge, verify, apply."""
