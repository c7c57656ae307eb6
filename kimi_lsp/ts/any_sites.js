'use strict';
// Where the `any` types are, for the model pass of js-to-ts.
//
// sidecar.js adds this module's method to the ones it serves:
//   anySites  {texts: {file: text}} -> {sites: {file: [{line, column, text}]}}
// Each site is one `any` keyword found by TypeScript's parser (so `any` in a
// string, a comment or a name such as `anyValue` is not one), with its 1-based
// line and UTF-16 column and the trimmed text of its line. Lines break at
// "\n" only, as in kimi-lsp's changesets and in editors.

const MAX_LINE_TEXT = 160;

module.exports = function anySitesMethods(ts) {
  function lineStarts(text) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }

  // The last line start at or before `offset` (binary search).
  function lineIndex(starts, offset) {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  function sitesIn(file, text) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const starts = lineStarts(text);
    const sites = [];
    (function visit(node) {
      if (node.kind === ts.SyntaxKind.AnyKeyword) {
        const offset = node.getStart(sf);
        const index = lineIndex(starts, offset);
        const end = index + 1 < starts.length ? starts[index + 1] - 1 : text.length;
        const line = text.slice(starts[index], end).trim();
        const shown = line.length > MAX_LINE_TEXT ? `${line.slice(0, MAX_LINE_TEXT)}…` : line;
        sites.push({ line: index + 1, column: offset - starts[index] + 1, text: shown });
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
