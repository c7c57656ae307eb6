"""kimi-lsp: swarm refactors for the editor and the command line."""

__version__ = "0.1.0"
