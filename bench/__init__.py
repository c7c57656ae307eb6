"""kimi-lsp's benchmark suite: `python -m bench` (see docs/performance.md)."""
