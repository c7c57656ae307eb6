"""The LSP adapter: features, commands, progress and WorkspaceEdits."""

from __future__ import annotations

import gc
import logging

from lsprotocol import types


class ClientLogHandler(logging.Handler):
    """Forwards kimi-lsp's own log records to the editor's output panel."""

    LEVELS = {logging.ERROR: types.MessageType.Error, logging.WARNING: types.MessageType.Warning}

    def __init__(self, server):
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        try:
            kind = self.LEVELS.get(record.levelno, types.MessageType.Info)
            self.server.window_log_message(types.LogMessageParams(kind, self.format(record)))
        except Exception:  # logging must never take the server down
            pass


def serve(tcp: str | None = None) -> int:
    """Run the language server on stdio, or on TCP when given HOST:PORT."""
    from kimi_lsp.server.server import create_server

    server = create_server()
    gc.freeze()  # the server's modules live as long as it does: keep full collections from walking them (see agents/model.py)
    handler = ClientLogHandler(server)
    logger = logging.getLogger("kimi_lsp")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0
