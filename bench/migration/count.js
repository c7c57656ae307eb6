// Counts what a migration left behind in a folder's TypeScript files:
// `any` types (including ts-migrate's $TSFixMe aliases, and each shorthand
// `declare module 'x';` in a declaration file, which types a package `any`)
// and error suppressions; and, as a number of its own, `unknown` types (the
// type-safe top type, which a migration may write where a value needs nothing).
// usage: node count.js DIR  -> {"files": N, "any": N, "unknown": N, "suppressions": N}
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

function* sources(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(full);
    else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) yield full;
  }
}

const isDeclarationFile = (file) => /\.d\.[cm]?ts$/.test(file);

const totals = { files: 0, any: 0, unknown: 0, suppressions: 0 };
for (const file of sources(process.argv[2])) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  if (isDeclarationFile(file)) {
    totals.any += sf.statements.filter((s) => ts.isModuleDeclaration(s) && !s.body && ts.isStringLiteral(s.name)).length;
    continue;
  }
  totals.files++;
  (function visit(node) {
    if (node.kind === ts.SyntaxKind.AnyKeyword) totals.any++;
    if (node.kind === ts.SyntaxKind.UnknownKeyword) totals.unknown++;
    if (ts.isTypeReferenceNode(node) && /^\$TSFixMe/.test(node.typeName.getText(sf))) totals.any++;
    ts.forEachChild(node, visit);
  })(sf);
  totals.suppressions += (text.match(/@ts-(expect-error|ignore|nocheck)/g) || []).length;
}
console.log(JSON.stringify(totals));
