'use strict';
// Where the `any` types are, for the model pass of js-to-ts.
//
// sidecar.js adds this module's method to the ones it serves:
//   anySites  {texts: {file: text}} -> {sites: {file: [{line, column, text}]}}
// Each site is one `any` keyword found by TypeScript's parser (so `any` in a
// string, a comment or a name such as `anyValue` is not one), with its 1-based
// line and UTF-16 column (sidecar.js's lspPosition: lines break at "\n" only)
// and the trimmed text of its line.

const MAX_LINE_TEXT = 160;

module.exports = function anySitesMethods(ts, { lspPosition }) {
  function sitesIn(file, text) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const sites = [];
    (function visit(node) {
      if (node.kind === ts.SyntaxKind.AnyKeyword) {
        const offset = node.getStart(sf);
        const [line, character] = lspPosition(sf, offset);
        const end = text.indexOf('\n', offset);
        const lineText = text.slice(offset - character, end === -1 ? text.length : end).trim();
        const shown = lineText.length > MAX_LINE_TEXT ? `${lineText.slice(0, MAX_LINE_TEXT)}…` : lineText;
        sites.push({ line: line + 1, column: character + 1, text: shown });
      }
      ts.forEachChild(node, visit);
    })(sf);
    return sites;
  }

  function anySites(params) {
    const sites = {};
    for (const [file, text] of Object.entries(params.texts)) sites[file] = sitesIn(file, text);
    return { sites };
  }

  return { anySites };
};
