"""The TypeScript sidecar: a Node process running TypeScript's language service."""
