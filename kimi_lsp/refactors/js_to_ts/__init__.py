"""JavaScript -> TypeScript migration as a swarm refactor that ends with zero type errors.

Modules: request (JSON and CLI options), project (tsconfig.json and
package.json), planning (groups from the import graph), session (the run),
gate (suppressions, tsc and the project's command). The TypeScript side is
kimi_lsp/ts/js_to_ts.js.
"""

from kimi_lsp.refactors.js_to_ts.request import NAME, add_arguments, parse_request, request_from_args
from kimi_lsp.refactors.js_to_ts.session import JsToTsSession

__all__ = ["NAME", "JsToTsSession", "add_arguments", "parse_request", "request_from_args"]
