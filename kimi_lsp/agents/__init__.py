"""Sub-agents: deterministic workers (TypeScript, rope) and model agents."""
