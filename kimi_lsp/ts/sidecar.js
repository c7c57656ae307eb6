'use strict';
// kimi-lsp TypeScript sidecar.
//
// One process holds one TypeScript language service over a project and answers
// JSON requests, one per line on stdin, with one JSON response per line on
// stdout: {"id", "method", "params"} -> {"id", "result"} | {"id", "error"}.
// Positions cross the wire as LSP positions (0-based line, UTF-16 character),
// which is what TypeScript uses internally, so no conversion is lossy.

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const loadCached = require('./code_cache');

const ts = loadCached(require.resolve(process.env.KIMI_TS_PATH || 'typescript'), process.env.KIMI_LSP_CODE_CACHE);

const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

class UserError extends Error {}

class Project {
  constructor(root, files, overlays) {
    this.root = root;
    this.overlays = new Map(Object.entries(overlays || {}));
    this.versions = new Map();
    this.snapshots = new Map(); // file -> {version, snapshot}
    this.options = this.loadOptions();
    this.rootFiles = Array.from(new Set([...this.configFiles, ...files.filter((f) => SOURCE_EXTENSIONS.test(f))]));
    this.service = ts.createLanguageService(this.host(), ts.createDocumentRegistry());
  }

  loadOptions() {
    this.configFiles = [];
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const configPath = path.join(this.root, name);
      if (!fs.existsSync(configPath)) continue;
      const read = ts.readConfigFile(configPath, (p) => this.readFile(p));
      if (read.error) break;
      const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, this.root, undefined, configPath);
      this.configFiles = parsed.fileNames;
      return { ...parsed.options, allowJs: true, noEmit: true };
    }
    return {
      allowJs: true,
      checkJs: false,
      jsx: ts.JsxEmit.Preserve,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      resolveJsonModule: true,
      esModuleInterop: true,
      noEmit: true,
    };
  }

  readFile(fileName) {
    if (this.overlays.has(fileName)) return this.overlays.get(fileName);
    try {
      return fs.readFileSync(fileName, 'utf8');
    } catch {
      return undefined;
    }
  }

  host() {
    return {
      getCompilationSettings: () => this.options,
      getScriptFileNames: () => this.rootFiles,
      getScriptVersion: (f) => String(this.versions.get(f) || 0),
      getScriptSnapshot: (f) => this.snapshot(f),
      getCurrentDirectory: () => this.root,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => this.overlays.has(f) || ts.sys.fileExists(f),
      readFile: (f) => this.readFile(f),
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      useCaseSensitiveFileNames: () => true,
    };
  }

  // The language service asks for every file's snapshot on every program
  // update and only then compares versions, so unchanged files (lib.dom.d.ts,
  // @types/node, ...) would be read from disk again each time: one snapshot
  // per file and version instead.
  snapshot(file) {
    const version = this.versions.get(file) || 0;
    const cached = this.snapshots.get(file);
    if (cached && cached.version === version) return cached.snapshot;
    const text = this.readFile(file);
    if (text === undefined) return undefined;
    const snapshot = ts.ScriptSnapshot.fromString(text);
    this.snapshots.set(file, { version, snapshot });
    return snapshot;
  }

  program() {
    return this.service.getProgram();
  }

  sourceFile(file) {
    const sf = this.program().getSourceFile(file);
    if (!sf) throw new UserError(`${path.relative(this.root, file)} is not part of the TypeScript program`);
    return sf;
  }

  userFiles() {
    return this.program()
      .getSourceFiles()
      .filter((sf) => !sf.isDeclarationFile && !sf.fileName.includes('/node_modules/'));
  }
}

// Lines break at "\n" only, as in kimi-lsp's changesets and in editors.
// TypeScript's own line map also breaks at "\r", U+2028 and U+2029, so its
// line numbers drift after any of those (say, U+2028 in a string literal).
const lineStartsCache = new WeakMap();

function lineStarts(sf) {
  if (!lineStartsCache.has(sf)) {
    const starts = [0];
    for (let i = sf.text.indexOf('\n'); i !== -1; i = sf.text.indexOf('\n', i + 1)) starts.push(i + 1);
    lineStartsCache.set(sf, starts);
  }
  return lineStartsCache.get(sf);
}

function lspPosition(sf, offset) {
  const starts = lineStarts(sf);
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return [low, offset - starts[low]];
}

function offsetAt(sf, line, character) {
  const starts = lineStarts(sf);
  if (line >= starts.length) return sf.text.length;
  const end = line + 1 < starts.length ? starts[line + 1] - 1 : sf.text.length;
  return Math.min(starts[line] + character, end);
}

function toRange(sf, start, end) {
  return { start: lspPosition(sf, start), end: lspPosition(sf, end) };
}

function edit(sf, start, end, newText) {
  return { file: sf.fileName, ...toRange(sf, start, end), newText };
}

// ---------------------------------------------------------------- targets

function topLevelNamePosition(sf, name) {
  const exportsFallback = [];
  for (const stmt of sf.statements) {
    if (stmt.name && ts.isIdentifier(stmt.name) && stmt.name.text === name) return stmt.name.getStart(sf);
    if (ts.isVariableStatement(stmt)) {
      for (const decl of stmt.declarationList.declarations) {
        const found = findBindingName(decl.name, name);
        if (found) return found.getStart(sf);
      }
    }
    if (ts.isExportDeclaration(stmt) && stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
      for (const el of stmt.exportClause.elements) if (el.name.text === name) exportsFallback.push(el.name.getStart(sf));
    }
    if (ts.isExpressionStatement(stmt) && ts.isBinaryExpression(stmt.expression)) {
      const { left, right } = stmt.expression;
      const exportName = commonJsExportName(left);
      if (exportName && exportName.text === name) exportsFallback.push(exportName.getStart(sf));
      if (isModuleExports(left) && ts.isObjectLiteralExpression(right)) {
        for (const prop of right.properties) {
          if (prop.name && ts.isIdentifier(prop.name) && prop.name.text === name) exportsFallback.push(prop.name.getStart(sf));
        }
      }
    }
  }
  if (exportsFallback.length) return exportsFallback[0];
  throw new UserError(`no top-level declaration or export named '${name}' in ${path.basename(sf.fileName)}`);
}

function findBindingName(node, name) {
  if (ts.isIdentifier(node)) return node.text === name ? node : undefined;
  for (const el of node.elements || []) {
    if (ts.isOmittedExpression(el)) continue;
    const found = findBindingName(el.name, name);
    if (found) return found;
  }
  return undefined;
}

// Whether `name`, where `node` is, is declared by a function around it (a
// parameter, a variable or a function declared in its body) rather than
// being the file's CommonJS `module` or `exports`: `function hook(module) {
// module.exports = ... }` sets another module's exports.
function isLocalName(node, name) {
  const named = (n) => n && ts.isIdentifier(n) && n.text === name;
  for (let scope = node.parent; scope && !ts.isSourceFile(scope); scope = scope.parent) {
    if (!ts.isFunctionLike(scope)) continue;
    if (scope.parameters.some((p) => named(p.name))) return true;
    let declared = false;
    (function visit(n) {
      if (declared || !n) return;
      if ((ts.isVariableDeclaration(n) || ts.isFunctionDeclaration(n)) && named(n.name)) declared = true;
      else if (!ts.isFunctionLike(n)) ts.forEachChild(n, visit); // a nested function's names are its own
    })(scope.body);
    if (declared) return true;
  }
  return false;
}

// The file's own `exports`, not a local of that name.
function isExportsName(node) {
  return ts.isIdentifier(node) && node.text === 'exports' && !isLocalName(node, 'exports');
}

function isModuleExports(node) {
  return (
    ts.isPropertyAccessExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === 'module' &&
    node.name.text === 'exports' &&
    !isLocalName(node, 'module')
  );
}

// `exports.X` or `module.exports.X` -> the X identifier.
function commonJsExportName(node) {
  if (!ts.isPropertyAccessExpression(node)) return undefined;
  const target = node.expression;
  if (isExportsName(target) || isModuleExports(target)) return node.name;
  return undefined;
}

function identifierAt(sf, pos) {
  let found;
  (function visit(node) {
    if (pos < node.getStart(sf) || pos > node.getEnd()) return;
    if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) found = node;
    ts.forEachChild(node, visit);
  })(sf);
  return found;
}

// ---------------------------------------------------------------- rename

const RENAME_PREFERENCES = { providePrefixAndSuffixTextForRename: true, allowRenameOfImportPath: false };

function rename(project, params) {
  const file = path.resolve(project.root, params.file);
  const sf = project.sourceFile(file);
  const pos =
    params.name !== undefined
      ? topLevelNamePosition(sf, params.name)
      : offsetAt(sf, params.line, params.character);
  const node = identifierAt(sf, pos);
  const info = project.service.getRenameInfo(file, pos, RENAME_PREFERENCES);
  if (!info.canRename) throw new UserError(`cannot rename at ${path.relative(project.root, file)}: ${info.localizedErrorMessage}`);
  const oldName = node ? node.text : info.displayName;
  if (!ts.isIdentifierText(params.newName, ts.ScriptTarget.ESNext)) throw new UserError(`'${params.newName}' is not a valid identifier`);
  const locations =
    project.service.findRenameLocations(file, pos, !!params.inStrings, !!params.inComments, RENAME_PREFERENCES) || [];
  if (!locations.length) {
    // TypeScript says yes but finds nothing, e.g. from a use reached through a
    // CommonJS re-export. Succeeding with no edits would hide that.
    const [line, character] = lspPosition(sf, pos);
    const where = `${path.relative(project.root, file)}:${line + 1}:${character + 1}`;
    throw new UserError(`TypeScript found nothing to rename at ${where}; rename '${oldName}' where it is declared`);
  }
  const edits = new Map();
  const add = (e) => edits.set(`${e.file}:${e.start}:${e.end}`, e);
  for (const loc of locations) {
    const target = project.sourceFile(loc.fileName);
    const start = loc.textSpan.start;
    const end = start + loc.textSpan.length;
    add(edit(target, start, end, (loc.prefixText || '') + params.newName + (loc.suffixText || '')));
  }
  for (const e of renameCommonJsExports(project, locations, oldName, params.newName)) add(e);
  return { oldName, kind: info.kind, edits: Array.from(edits.values()) };
}

// TypeScript keeps the public name of a CommonJS export when a local is renamed
// (`module.exports = { getUser: fetchUser }`) and does not follow the export into
// destructured requires or property chains. A bulk rename means to rename the
// API, so find the export properties that the rename touched and rename every
// use the type checker resolves to them.
function renameCommonJsExports(project, locations, oldName, newName) {
  const checker = project.program().getTypeChecker();
  const exportDecls = new Set();
  for (const loc of locations) {
    const sf = project.sourceFile(loc.fileName);
    const node = identifierAt(sf, loc.textSpan.start);
    if (!node || node.text !== oldName) continue;
    const parent = node.parent;
    if (ts.isShorthandPropertyAssignment(parent) || ts.isPropertyAssignment(parent)) {
      if (parent.name === node || ts.isShorthandPropertyAssignment(parent)) {
        if (isExportObject(parent.parent)) exportDecls.add(parent);
      } else if (ts.isPropertyAssignment(parent) && isExportObject(parent.parent) && parent.name.text === oldName) {
        exportDecls.add(parent);
      }
    }
    if (ts.isPropertyAccessExpression(parent) && commonJsExportName(parent) === node) exportDecls.add(parent.parent);
    if (ts.isBinaryExpression(parent) && parent.right === node && commonJsExportName(parent.left)?.text === oldName) {
      exportDecls.add(parent);
    }
    if (ts.isPropertyAssignment(parent) && parent.initializer === node && isExportObject(parent.parent) && parent.name.text === oldName) {
      exportDecls.add(parent);
    }
  }
  if (!exportDecls.size) return [];
  // Shorthand properties whose local TypeScript renamed while keeping the
  // property (`{ getUser }` -> `{ getUser: fetchUser }`); the export is renamed too.
  const renamedLocals = new Set(locations.filter((l) => l.prefixText).map((l) => `${l.fileName}:${l.textSpan.start}`));
  const matches = (symbol) => symbol && (symbol.declarations || []).some((d) => exportDecls.has(d) || exportDecls.has(d.parent));
  const out = [];
  for (const sf of project.userFiles()) {
    if (!sf.text.includes(oldName)) continue;
    (function visit(node) {
      if (ts.isIdentifier(node) && node.text === oldName) {
        out.push(...commonJsUseEdits(project, checker, sf, node, matches, renamedLocals, newName));
      }
      ts.forEachChild(node, visit);
    })(sf);
  }
  return out;
}

function isExportObject(objectLiteral) {
  const parent = objectLiteral.parent;
  return (
    ts.isObjectLiteralExpression(objectLiteral) &&
    ts.isBinaryExpression(parent) &&
    parent.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
    isModuleExports(parent.left)
  );
}

function commonJsUseEdits(project, checker, sf, node, matches, renamedLocals, newName) {
  const parent = node.parent;
  const replace = () => [edit(sf, node.getStart(sf), node.getEnd(), newName)];
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) {
    return matches(checker.getSymbolAtLocation(node)) ? replace() : [];
  }
  if ((ts.isPropertyAssignment(parent) || ts.isShorthandPropertyAssignment(parent)) && parent.name === node) {
    if (!isExportObject(parent.parent)) return [];
    const symbol = checker.getSymbolAtLocation(node) || parent.symbol;
    if (!matches(symbol) && !matches(parent.symbol)) return [];
    if (ts.isShorthandPropertyAssignment(parent)) {
      const local = checker.getShorthandAssignmentValueSymbol(parent);
      if (renamedLocals.has(`${sf.fileName}:${node.getStart(sf)}`) || (local && matches(local))) return replace();
      return [edit(sf, node.getStart(sf), node.getEnd(), `${newName}: ${node.text}`)];
    }
    return replace();
  }
  if (ts.isBindingElement(parent) && ts.isObjectBindingPattern(parent.parent)) {
    const isPropertyName = parent.propertyName === node || (!parent.propertyName && parent.name === node);
    if (!isPropertyName) return [];
    const type = checker.getTypeAtLocation(parent.parent);
    const prop = type && checker.getPropertyOfType(type, node.text);
    if (!matches(prop)) return [];
    if (parent.propertyName) return replace();
    // `const { getUser } = require(...)`: rename the binding and its local uses.
    // Other uses keep their own property names (`{ getUser }` -> `{ getUser: fetchUser }`),
    // as an editor's rename of the binding would.
    const locals =
      project.service.findRenameLocations(sf.fileName, node.getStart(sf), false, false, RENAME_PREFERENCES) || [];
    return locals.map((loc) => {
      const target = project.sourceFile(loc.fileName);
      const start = loc.textSpan.start;
      const own = target === sf && start === node.getStart(sf);
      const text = own ? newName : (loc.prefixText || '') + newName + (loc.suffixText || '');
      return edit(target, start, start + loc.textSpan.length, text);
    });
  }
  return [];
}

// ---------------------------------------------------------------- moves

function moveFile(project, params) {
  const from = path.resolve(project.root, params.from);
  const to = path.resolve(project.root, params.to);
  const changes = project.service.getEditsForFileRename(from, to, {}, { importModuleSpecifierEnding: 'auto' });
  const edits = [];
  for (const change of changes) {
    const sf = project.program().getSourceFile(change.fileName);
    if (!sf) continue;
    for (const tc of change.textChanges) edits.push(edit(sf, tc.span.start, tc.span.start + tc.span.length, tc.newText));
  }
  return { edits };
}

// ---------------------------------------------------------------- graph and checks

function importGraph(project) {
  const program = project.program();
  const graph = {};
  for (const sf of project.userFiles()) {
    const deps = new Set();
    for (const imp of sf.imports || []) {
      // The program already resolved every import; asking again would hit the disk.
      const resolved = program.getResolvedModuleFromModuleSpecifier(imp, sf)?.resolvedModule;
      if (resolved && !resolved.isExternalLibraryImport) deps.add(resolved.resolvedFileName);
    }
    graph[sf.fileName] = Array.from(deps);
  }
  return { graph };
}

function syntaxErrors(params) {
  const counts = {};
  for (const [file, text] of Object.entries(params.texts)) {
    const kind = /x$/.test(file) ? ts.ScriptKind.TSX : undefined;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, kind);
    counts[file] = sf.parseDiagnostics.length;
  }
  return { counts };
}

// ---------------------------------------------------------------- server

let project;

const methods = {
  init(params) {
    project = new Project(params.root, params.files || [], params.overlays);
    return { typescript: ts.version, files: project.rootFiles.length };
  },
  rename: (params) => rename(requireProject(), params),
  moveFile: (params) => moveFile(requireProject(), params),
  importGraph: () => importGraph(requireProject()),
  syntaxErrors,
};
Object.assign(methods, require('./js_to_ts')(ts, { Project, UserError, isModuleExports, isExportsName, commonJsExportName }));
Object.assign(methods, require('./any_sites')(ts, { lspPosition }));

function requireProject() {
  if (!project) throw new UserError('init must be called first');
  return project;
}

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  let response;
  try {
    const method = methods[request.method];
    if (!method) throw new UserError(`unknown method ${request.method}`);
    response = { id: request.id, result: method(request.params || {}) };
  } catch (err) {
    const message = err instanceof UserError ? err.message : `TypeScript sidecar failed: ${err.stack || err}`;
    response = { id: request.id, error: { message, user: err instanceof UserError } };
  }
  process.stdout.write(JSON.stringify(response) + '\n');
});
input.on('close', () => process.exit(0));
