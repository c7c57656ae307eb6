'use strict';
// JavaScript -> TypeScript migration steps for the kimi-lsp sidecar.
//
// sidecar.js loads this module and adds its methods to the ones it serves:
//   jsToTsPrepare   on the JavaScript program: parse check, JSX detection,
//                   CommonJS -> ES module syntax (or typed `import = require`)
//   jsToTsTypes     on the renamed TypeScript program: TypeScript's own
//                   codefixes for one group of files
//   jsToTsResidual  on the whole TypeScript program: a targeted
//                   `@ts-expect-error` on each line that still has an error
// Every step is TypeScript's own code: the parser, the checker and codefixes.

const fs = require('fs');
const path = require('path');
const { builtinModules } = require('module');

// TypeScript's diagnostic for "File is a CommonJS module; it may be converted to an ES module."
const COMMONJS_MODULE = 80001;
const NO_DEFAULT_EXPORT = [1192, 2613];
const UNUSED_DIRECTIVE = 2578;
// `import x = require()` and `export =` under a `module` that compiles to ES
// modules: tsc leaves the statement out of its output, so no directive may hide them.
const DROPPED_FROM_OUTPUT = [1202, 1203];
const FORMAT = { indentSize: 2, tabSize: 2, convertTabsToSpaces: true, insertSpaceAfterCommaDelimiter: true, semicolons: 'ignore' };
const PREFERENCES = { quotePreference: 'auto', includeCompletionsForModuleExports: false, importModuleSpecifierPreference: 'relative' };

module.exports = function jsToTsMethods(ts, { Project, UserError, isModuleExports, isExportsName, commonJsExportName }) {
  const projects = new Map();

  // `declare x: T`: a field kimi-lsp declared (JavaScript cannot write one)
  const isDeclared = (node) => (ts.getModifiers(node) || []).some((k) => k.kind === ts.SyntaxKind.DeclareKeyword);

  // ------------------------------------------------------------ text edits

  // Applied from the end; inserts at one place keep their order (a fix's
  // `(`, `: T`, `)` around an arrow function's parameter).
  function applyChanges(text, textChanges) {
    const sorted = textChanges.map((change, i) => [change, i]).sort(([a, i], [b, j]) => b.span.start - a.span.start || j - i).map(([change]) => change);
    let out = text;
    let limit = Infinity;
    for (const change of sorted) {
      const end = change.span.start + change.span.length;
      if (end > limit) continue; // overlapping edit from a second fix: keep the first
      out = out.slice(0, change.span.start) + change.newText + out.slice(end);
      limit = change.span.start;
    }
    return out;
  }

  function editsFor(fileChanges, fileName) {
    return fileChanges.filter((c) => c.fileName === fileName).flatMap((c) => c.textChanges);
  }

  // ------------------------------------------------------------ projects

  // A project kept across requests: later requests only change overlays, so
  // the language service re-checks incrementally.
  function loadProject(params, options) {
    let project = projects.get(params.key);
    if (!project) {
      project = new Project(params.root, [], {});
      project.options = options;
      project.rootFiles = params.files;
      projects.set(params.key, project);
    }
    for (const [file, text] of Object.entries(params.overlays || {})) setText(project, file, text);
    return project;
  }

  function setText(project, file, text) {
    if (project.overlays.get(file) === text) return;
    project.overlays.set(file, text);
    project.versions.set(file, (project.versions.get(file) || 0) + 1);
  }

  // The tsconfig.json the migration will write, parsed as tsc will parse it.
  function compilerOptions(params) {
    const configPath = path.join(params.root, 'tsconfig.json');
    const json = ts.parseConfigFileTextToJson(configPath, params.tsconfig);
    if (json.error) throw new UserError(`tsconfig.json: ${ts.flattenDiagnosticMessageText(json.error.messageText, ' ')}`);
    const parsed = ts.parseJsonConfigFileContent(json.config, ts.sys, params.root, undefined, configPath);
    const options = { ...parsed.options, noEmit: true };
    if (params.typeRoots) options.typeRoots = params.typeRoots;
    return options;
  }

  // ------------------------------------------------------------ prepare (JavaScript program)

  function hasJsx(sf) {
    let found = false;
    (function visit(node) {
      if (found) return;
      if (ts.isJsxElement(node) || ts.isJsxSelfClosingElement(node) || ts.isJsxFragment(node)) found = true;
      else ts.forEachChild(node, visit);
    })(sf);
    return found;
  }

  function moduleExportsAssignment(stmt) {
    if (!ts.isExpressionStatement(stmt) || !ts.isBinaryExpression(stmt.expression)) return undefined;
    const { left, operatorToken, right } = stmt.expression;
    if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || !isModuleExports(left)) return undefined;
    return right;
  }

  function topLevelNames(sf) {
    const names = new Set();
    const add = (name) => {
      if (ts.isIdentifier(name)) names.add(name.text);
      else for (const el of name.elements || []) if (!ts.isOmittedExpression(el)) add(el.name);
    };
    for (const stmt of sf.statements) {
      if (stmt.name && ts.isIdentifier(stmt.name)) names.add(stmt.name.text);
      if (ts.isVariableStatement(stmt)) for (const d of stmt.declarationList.declarations) add(d.name);
    }
    return names;
  }

  // `module.exports = { a, b: c, d: expr }` -> `export { a, c as b }` and
  // `export const d = expr`. TypeScript's convertToEsModule turns an object with
  // shorthand members into `export default {...}`, which would break every
  // `const { a } = require(...)` once that becomes `import { a }`.
  function exportObjectAsNamed(sf) {
    const taken = topLevelNames(sf);
    for (const stmt of sf.statements) {
      const right = moduleExportsAssignment(stmt);
      if (!right || !ts.isObjectLiteralExpression(right) || !right.properties.length) continue;
      const specifiers = [];
      const declarations = [];
      for (const prop of right.properties) {
        if (!prop.name || !ts.isIdentifier(prop.name)) return undefined;
        const key = prop.name.text;
        if (ts.isShorthandPropertyAssignment(prop)) specifiers.push(key);
        else if (ts.isPropertyAssignment(prop) && ts.isIdentifier(prop.initializer)) {
          const local = prop.initializer.text;
          specifiers.push(local === key ? key : `${local} as ${key}`);
        } else if (ts.isPropertyAssignment(prop)) {
          let local = key;
          while (taken.has(local)) local = `_${local}`;
          taken.add(local);
          declarations.push(`const ${local} = ${prop.initializer.getText(sf)};`);
          specifiers.push(local === key ? key : `${local} as ${key}`);
        } else return undefined;
      }
      const text = [...declarations, `export { ${specifiers.join(', ')} };`].join('\n');
      return { span: { start: stmt.getStart(sf), length: stmt.getEnd() - stmt.getStart(sf) }, newText: text };
    }
    return undefined;
  }

  // ------------------------------------------------------------ CommonJS forms convertToEsModule does not know

  // Assignment chains: `a = b = v` -> [a, b] and v.
  function assignmentChain(node) {
    const targets = [];
    let value = node;
    while (ts.isParenthesizedExpression(value)) value = value.expression;
    while (ts.isBinaryExpression(value) && value.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      targets.push(value.left);
      value = value.right;
      while (ts.isParenthesizedExpression(value)) value = value.expression;
    }
    return { targets, value };
  }

  const isVoidZero = (node) => ts.isVoidExpression(node) && ts.isNumericLiteral(node.expression);
  const isEmptyObject = (node) => ts.isObjectLiteralExpression(node) && node.properties.length === 0;

  // `Object.defineProperty(exports, "__esModule", ...)` (tsc) or `exports.__esModule = true` (Babel).
  function isEsModuleMarker(stmt) {
    if (!ts.isExpressionStatement(stmt)) return false;
    const { targets, value } = assignmentChain(stmt.expression);
    if (targets.length === 1 && commonJsExportName(targets[0])?.text === '__esModule') return value.kind === ts.SyntaxKind.TrueKeyword;
    if (!ts.isCallExpression(stmt.expression)) return false;
    const { expression: callee, arguments: args } = stmt.expression;
    return (
      ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'Object' &&
      callee.name.text === 'defineProperty' && args.length === 3 && isExportsName(args[0]) &&
      ts.isStringLiteralLike(args[1]) && args[1].text === '__esModule'
    );
  }

  function inImportCycle(graph, file) {
    const seen = new Set();
    const stack = [...(graph[file] || [])];
    while (stack.length) {
      const next = stack.pop();
      if (next === file) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(graph[next] || []));
    }
    return false;
  }

  // Rewrites into the forms the conversion below handles, each behaving as before:
  // - `const x = (exports.y = v)` -> `const x = v; exports.y = x;` (also
  //   `module.exports.y`, and `var app = exports = module.exports = {}`,
  //   whose module value then is `app`), and `exports.a = exports.b = v` -> `exports.b = v;
  //   exports.a = exports.b;`;
  // - what tsc emits for an ES module, `Object.defineProperty(exports,
  //   "__esModule", ...)` and `exports.a = exports.b = void 0`, goes: the
  //   TypeScript file is an ES module and compiles to both again;
  // - `exports.default = v; ... module.exports = exports.default;` (Babel's
  //   add-module-exports) -> `module.exports = v;`: the module's value is v
  //   either way, once it has loaded (so only outside import cycles);
  // - `var util = require('util'), format = util.format` (as Babel compiles
  //   `const { format } = require('util')`) becomes one statement per
  //   declaration, on which convertToEsModule does not fail ("Changes overlap");
  // - `exports = module.exports = {}` before anything was exported goes: the
  //   module's exports start as an empty object already. Only when the file
  //   is in no import cycle, where a module it requires first could hold on
  //   to the object it replaced.
  function normalizeCommonJs(sf, graph) {
    const changes = [];
    const replace = (stmt, text) => changes.push({ span: { start: stmt.getStart(sf), length: stmt.getEnd() - stmt.getStart(sf) }, newText: text });
    const remove = (stmt) => {
      const end = sf.text.startsWith('\n', stmt.getEnd()) ? stmt.getEnd() + 1 : stmt.getEnd();
      changes.push({ span: { start: stmt.getStart(sf), length: end - stmt.getStart(sf) }, newText: '' });
    };
    const source = (node) => node.getText(sf);
    const compiled = sf.statements.some(isEsModuleMarker);
    const assignedExports = exportAssignmentCounts(sf);
    const defaultValue = moduleValueFromDefault(sf, graph);
    let exported = false; // whether an earlier statement may have exported something, or handed `exports` on
    for (const stmt of sf.statements) {
      const before = exported;
      exported = exported || /\b(exports|module)\b/.test(source(stmt));
      if (isEsModuleMarker(stmt) || stmt === defaultValue?.reassigned) {
        remove(stmt);
        continue;
      }
      if (stmt === defaultValue?.assigned) {
        replace(stmt, `module.exports = ${source(defaultValue.value)};`);
        continue;
      }
      if (stmt === defaultValue?.selfDefault) {
        replace(stmt, 'module.exports.default = module.exports;'); // the module's value, named as such below (valueModuleChanges)
        continue;
      }
      const declarations = ts.isVariableStatement(stmt) ? stmt.declarationList.declarations : [];
      if (declarations.length > 1 && declarations.some((d) => d.initializer && isRequireCall(d.initializer))) {
        const list = source(stmt.declarationList);
        const keyword = list.slice(0, list.indexOf(source(declarations[0])));
        const comments = (d) => {
          const ranges = [...(ts.getTrailingCommentRanges(sf.text, d.pos) || []), ...(ts.getLeadingCommentRanges(sf.text, d.pos) || [])];
          return [...new Map(ranges.map((c) => [c.pos, c])).values()].map((c) => `${sf.text.slice(c.pos, c.end)}\n`).join('');
        };
        replace(stmt, declarations.map((d, i) => `${i ? comments(d) : ''}${keyword}${source(d)};`).join('\n'));
        continue;
      }
      if (declarations.length === 1) {
        const decl = declarations[0];
        const { targets, value } = decl.initializer ? assignmentChain(decl.initializer) : { targets: [] };
        if (!ts.isIdentifier(decl.name) || !targets.length) continue;
        if (!targets.every((t) => commonJsExportName(t) || isExportsName(t) || isModuleExports(t))) continue;
        const list = source(stmt.declarationList);
        const keyword = list.slice(0, list.indexOf(source(decl)));
        const name = decl.name.text;
        replace(stmt, `${keyword}${name} = ${source(value)};\n${targets.map(source).join(' = ')} = ${name};`);
        continue;
      }
      if (!ts.isExpressionStatement(stmt)) continue;
      const { targets, value } = assignmentChain(stmt.expression);
      if (compiled && targets.length && targets.every((t) => commonJsExportName(t)) && isVoidZero(value)) {
        remove(stmt);
      } else if (
        targets.length === 2 && isExportsName(targets[0]) && isModuleExports(targets[1]) && isEmptyObject(value) &&
        !before && !inImportCycle(graph, sf.fileName)
      ) {
        remove(stmt);
      } else if (targets.length > 1 && targets.every((t) => commonJsExportName(t))) {
        const last = source(targets[targets.length - 1]);
        const rest = targets.slice(0, -1).map((t) => `${source(t)} = ${last};`);
        replace(stmt, [`${last} = ${source(value)};`, ...rest].join('\n'));
      } else if (targets.length === 1 && ts.isFunctionExpression(value) && value.name && commonJsExportName(targets[0])?.text === value.name.text) {
        changes.push(...selfReferences(sf, value, assignedExports));
      }
    }
    return changes;
  }

  // `exports.default = v` and, later at the top level, `module.exports =
  // exports.default` (and, where the plugin adds it, `module.exports.default
  // = exports.default`), where the file uses `exports` for nothing else (its
  // `__esModule` marker aside) and is in no import cycle, where a module it
  // requires could read its exports before the second assignment.
  function moduleValueFromDefault(sf, graph) {
    if (inImportCycle(graph, sf.fileName)) return undefined;
    const isDefault = (node) => commonJsExportName(node)?.text === 'default' && !isModuleExports(node.expression); // exports.default
    const isModuleDefault = (node) => commonJsExportName(node)?.text === 'default' && isModuleExports(node.expression);
    const assignmentTo = (stmt, target) => ts.isExpressionStatement(stmt) && ts.isBinaryExpression(stmt.expression) &&
      stmt.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken && target(stmt.expression.left);
    const statements = sf.statements;
    const reassigned = statements.find((stmt) => { const value = moduleExportsAssignment(stmt); return value && isDefault(value); });
    const assigned = statements.find((stmt) => assignmentTo(stmt, isDefault));
    if (!reassigned || !assigned || statements.indexOf(assigned) > statements.indexOf(reassigned)) return undefined;
    const selfDefault = statements.find((stmt, i) => i > statements.indexOf(reassigned) && assignmentTo(stmt, isModuleDefault) && isDefault(stmt.expression.right));
    let uses = 0;
    (function visit(node) {
      if (isExportsName(node) || isModuleExports(node)) uses++;
      else ts.forEachChild(node, visit);
    })(sf);
    const markers = statements.filter(isEsModuleMarker).length;
    // `exports.default =`, `module.exports = exports.default`, `module.exports.default = exports.default`, the markers
    if (uses !== 3 + (selfDefault ? 2 : 0) + markers) return undefined;
    return { assigned, reassigned, selfDefault, value: assigned.expression.right };
  }

  // `exports.f = function f() { ... exports.f(...) ... }`: convertToEsModule
  // fails on the inner `exports.f` ("Changes overlap"). Inside the function,
  // `f` is the same function, as long as nothing else is assigned to `exports.f`.
  function selfReferences(sf, fn, assignedExports) {
    const name = fn.name.text;
    if (assignedExports.get(name) !== 1) return [];
    let shadowed = false;
    (function visit(node) {
      if (ts.isIdentifier(node) && node.text === name && node.parent.name === node && ts.isDeclaration(node.parent)) shadowed = true;
      else ts.forEachChild(node, visit);
    })(fn.body);
    if (shadowed) return [];
    const changes = [];
    (function visit(node) {
      if (ts.isPropertyAccessExpression(node) && isExportsName(node.expression) && node.name.text === name) {
        changes.push({ span: { start: node.getStart(sf), length: node.getWidth(sf) }, newText: name });
      } else ts.forEachChild(node, visit);
    })(fn.body);
    return changes;
  }

  // How many times each `exports.x` / `module.exports.x` is assigned in the file.
  function exportAssignmentCounts(sf) {
    const counts = new Map();
    (function visit(node) {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) {
        const name = commonJsExportName(node.left);
        if (name) counts.set(name.text, (counts.get(name.text) || 0) + 1);
      }
      ts.forEachChild(node, visit);
    })(sf);
    return counts;
  }

  // `exports.x = require('./y')` converts to `export const x = require('./y')`,
  // an untyped value; `export import x = require('./y')` is the same export, typed.
  function exportedRequires(file, text) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JSX);
    const changes = sf.statements.filter(isExported).map((stmt) => requireAsImport(sf, stmt)).filter(Boolean);
    return changes.length ? applyChanges(text, changes) : text;
  }

  const isExported = (stmt) => ts.canHaveModifiers(stmt) && (ts.getModifiers(stmt) || []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

  // convertToEsModule leaves `exports.x` inside the functions it turns into
  // declarations; in the ES module that is the exported binding itself.
  function exportReadsByName(file, text) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JSX);
    const locals = new Map(); // exported name -> local binding
    for (const stmt of sf.statements) {
      const exporting = isExported(stmt);
      if (exporting && stmt.name && ts.isIdentifier(stmt.name)) locals.set(stmt.name.text, stmt.name.text);
      if (exporting && ts.isVariableStatement(stmt)) {
        for (const d of stmt.declarationList.declarations) if (ts.isIdentifier(d.name)) locals.set(d.name.text, d.name.text);
      }
      if (ts.isExportDeclaration(stmt) && !stmt.moduleSpecifier && stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
        for (const spec of stmt.exportClause.elements) locals.set(spec.name.text, (spec.propertyName || spec.name).text);
      }
    }
    if (topLevelNames(sf).has('exports')) return text;
    const changes = [];
    (function visit(node) {
      const name = commonJsExportName(node);
      if (name && isExportsName(node.expression) && locals.has(name.text)) {
        changes.push({ span: { start: node.getStart(sf), length: node.getWidth(sf) }, newText: locals.get(name.text) });
      } else ts.forEachChild(node, visit);
    })(sf);
    return changes.length ? applyChanges(text, changes) : text;
  }

  const KEPT_COMMONJS =
    'kept as JavaScript: its CommonJS exports (`exports` itself handed on, say, or an export assigned again) have no ES module form that behaves the same';

  // A file that compiles to an ES module has no output for `import x =
  // require()` or `export =` (TS1202, TS1203), the forms a CommonJS module
  // keeps where ES syntax would behave differently: such a file stays
  // JavaScript. The project's own tsconfig may compile every file to ES
  // modules (`module` esnext, es2020, …); under node16 and nodenext (the
  // new tsconfig's) a `.js` file in a `"type": "module"` package is one.
  const ES_MODULE_KINDS = [ts.ModuleKind.ES2015, ts.ModuleKind.ES2020, ts.ModuleKind.ES2022, ts.ModuleKind.ESNext];
  function esModuleOutput(params) {
    const kind = params.tsconfig ? ts.getEmitModuleKind(compilerOptions(params)) : ts.ModuleKind.NodeNext;
    if (ES_MODULE_KINDS.includes(kind)) {
      const why = `tsconfig.json compiles TypeScript to ES modules (\`module\`: ${ts.ModuleKind[kind].toLowerCase()})`;
      return () => `${why}, which have no form ${COMMONJS_KEPT}; set \`module\` to nodenext to convert it`;
    }
    if (kind < ts.ModuleKind.Node16 || kind > ts.ModuleKind.NodeNext) return () => undefined;
    return (sf) => sf.impliedNodeFormat === ts.ModuleKind.ESNext && `package.json's "type": "module" makes it an ES module, which has no form ${COMMONJS_KEPT}; rename it .cjs to convert it`;
  }
  const COMMONJS_KEPT = 'for the `require` or `module.exports =` this CommonJS module keeps';

  function hasCommonJsForms(file, text) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JSX);
    return sf.statements.some(
      (s) => (ts.isImportEqualsDeclaration(s) && ts.isExternalModuleReference(s.moduleReference)) || (ts.isExportAssignment(s) && s.isExportEquals)
    );
  }

  function isTopLevelRequire(stmt) {
    if (ts.isVariableStatement(stmt)) return stmt.declarationList.declarations.some((d) => d.initializer && isRequireCall(d.initializer));
    return ts.isExpressionStatement(stmt) && isRequireCall(stmt.expression);
  }

  // `module.exports = X` or `exports = module.exports = X`, at the top level.
  function valueAssignment(sf) {
    for (const stmt of sf.statements) {
      const value = moduleExportsAssignment(stmt);
      if (value) return { stmt, value, aliased: false };
      if (!ts.isExpressionStatement(stmt) || !ts.isBinaryExpression(stmt.expression)) continue;
      const { left, operatorToken, right } = stmt.expression;
      if (operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isIdentifier(left) || left.text !== 'exports') continue;
      if (ts.isBinaryExpression(right) && right.operatorToken.kind === ts.SyntaxKind.EqualsToken && isModuleExports(right.left)) {
        return { stmt, value: right.right, aliased: true };
      }
    }
    return undefined;
  }

  function isValueReference(id) {
    const parent = id.parent;
    if ((ts.isPropertyAccessExpression(parent) && parent.name === id) || (ts.isPropertyAssignment(parent) && parent.name === id)) return false;
    return !(ts.isBindingElement(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isFunctionLike(parent));
  }

  // The module's value becomes `export = name`. Properties added to it
  // afterwards (`module.exports.y = v`, or `exports.y = v` after
  // `exports = module.exports = fn`) become `name.y = v`, which TypeScript
  // types as properties of the function. TypeScript emits `export =` at the
  // end of the module; when requires follow the assignment (the usual guard
  // for circular requires) an early `module.exports = name` stays as well,
  // so a cycle sees the same value at the same time as before. A value with
  // no name of its own (an object, a call's result) gets one (valueName).
  // Undefined when something was exported before the assignment.
  function valueModuleChanges(sf, { stmt, value, aliased }) {
    const index = sf.statements.indexOf(stmt);
    const later = sf.statements.slice(index + 1);
    for (const other of sf.statements.slice(0, index)) {
      if (ts.isExpressionStatement(other) && ts.isBinaryExpression(other.expression) && commonJsExportName(other.expression.left)) return undefined;
    }
    const expandos = valueReferencesAfter(sf, { stmt, aliased });
    const taken = topLevelNames(sf);
    const span = { start: stmt.getStart(sf), length: stmt.getEnd() - stmt.getStart(sf) };
    const early = later.some(isTopLevelRequire);
    let name;
    let declaration = '';
    if (ts.isIdentifier(value) && taken.has(value.text)) name = value.text;
    else if (ts.isFunctionExpression(value) || ts.isArrowFunction(value) || ts.isClassExpression(value)) {
      name = value.name && !taken.has(value.name.text) ? value.name.text : 'moduleValue';
      while (taken.has(name)) name = `_${name}`;
      declaration = `const ${name} = ${value.getText(sf)};`;
    } else if (!expandos.length && !early && !aliased) {
      return [{ span: { start: stmt.getStart(sf), length: value.getStart(sf) - stmt.getStart(sf) }, newText: 'export = ' }];
    } else {
      name = valueName(sf, taken); // an object or a call's result, filled in afterwards
      declaration = `const ${name} = ${value.getText(sf)};`;
    }
    const assignment = early ? `module.exports = ${name};` : '';
    const newText = [declaration, assignment].filter(Boolean).join('\n');
    if (!newText && sf.text.startsWith('\n', span.start + span.length)) span.length++; // the statement's line goes with it
    const changes = [{ span, newText }];
    for (const target of expandos) changes.push({ span: { start: target.getStart(sf), length: target.getWidth(sf) }, newText: name });
    changes.push({ span: { start: sf.end, length: 0 }, newText: `${sf.text.endsWith('\n') ? '' : '\n'}export = ${name};\n` });
    return changes;
  }

  // After the assignment, `module.exports` (and `exports`, when aliased) is
  // the value itself: where the statements after it name it.
  function valueReferencesAfter(sf, { stmt, aliased }) {
    const references = [];
    for (const other of sf.statements.slice(sf.statements.indexOf(stmt) + 1)) {
      (function visit(node) {
        if (isModuleExports(node)) references.push(node);
        else if (aliased && isExportsName(node) && isValueReference(node)) references.push(node);
        else ts.forEachChild(node, visit);
      })(other);
    }
    return references;
  }

  // A name for a module's value that has none: the file's (`request` for
  // lib/request.js), else `moduleValue`; never one the file declares.
  function valueName(sf, taken) {
    const base = path.basename(sf.fileName).replace(/\.[^.]*$/, '').replace(/[-_.]+(\w)/g, (_, c) => c.toUpperCase());
    let name = ts.isIdentifierText(base, ts.ScriptTarget.ES2022) && !ts.stringToToken(base) && base !== 'index' ? base : 'moduleValue';
    while (taken.has(name)) name = `_${name}`;
    return name;
  }

  // `module.exports = require('m')` re-exports m's value, whatever it is
  // (convertToEsModule guesses `export *`, which drops a function export).
  function reExportValue(sf, stmt, value) {
    const taken = topLevelNames(sf);
    let name = 'reexported';
    while (taken.has(name)) name = `_${name}`;
    const spec = value.arguments[0].getText(sf);
    const text = `import ${name} = require(${spec});\nexport = ${name};`;
    return { span: { start: stmt.getStart(sf), length: stmt.getEnd() - stmt.getStart(sf) }, newText: text };
  }

  // `const x = require('m')` -> `import x = require('m')`: the same value,
  // typed. (convertToEsModule would turn `x.f()` into a named import `f()`,
  // which calls f without x as `this`.) A binding that is assigned later
  // is left to convertToEsModule.
  function requireAliases(sf) {
    return sf.statements.map((stmt) => requireAsImport(sf, stmt)).filter(Boolean);
  }

  // The change that makes `[export] const x = require('m')` (one binding, never
  // reassigned, a literal specifier) `[export] import x = require('m')`; undefined otherwise.
  function requireAsImport(sf, stmt) {
    if (!ts.isVariableStatement(stmt) || stmt.declarationList.declarations.length !== 1) return undefined;
    const decl = stmt.declarationList.declarations[0];
    const init = decl.initializer;
    if (!ts.isIdentifier(decl.name) || !init || !isRequireCall(init) || init.arguments.length !== 1) return undefined;
    if (!ts.isStringLiteral(init.arguments[0]) || isReassigned(sf, decl.name.text)) return undefined;
    const text = `${isExported(stmt) ? 'export ' : ''}import ${decl.name.text} = require(${init.arguments[0].getText(sf)});`;
    return { span: { start: stmt.getStart(sf), length: stmt.getEnd() - stmt.getStart(sf) }, newText: text };
  }

  function isReassigned(sf, name) {
    let found = false;
    (function visit(node) {
      if (found) return;
      if (ts.isBinaryExpression(node) && ts.isIdentifier(node.left) && node.left.text === name) {
        found = node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
      }
      ts.forEachChild(node, visit);
    })(sf);
    return found;
  }

  // convertToEsModule turns `exports.Option = Option` into `const _Option =
  // Option; export { _Option as Option }`, which exports the class's value
  // but not its type, so every `Option` type annotation elsewhere breaks.
  // Where the local is a class or function declaration that is never
  // reassigned, `export { Option }` exports the same binding with its type.
  function exportDeclarationsByName(file, text) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JSX);
    const declared = new Set(
      sf.statements.filter((s) => (ts.isClassDeclaration(s) || ts.isFunctionDeclaration(s)) && s.name).map((s) => s.name.text)
    );
    for (const stmt of sf.statements) {
      if (!ts.isVariableStatement(stmt) || !(stmt.declarationList.flags & ts.NodeFlags.Const)) continue;
      for (const d of stmt.declarationList.declarations) if (ts.isIdentifier(d.name)) declared.add(d.name.text);
    }
    const aliases = new Map(); // alias -> its `const alias = name;` statement
    for (const stmt of sf.statements) {
      if (!ts.isVariableStatement(stmt) || stmt.declarationList.declarations.length !== 1) continue;
      const decl = stmt.declarationList.declarations[0];
      if (!ts.isIdentifier(decl.name) || !decl.initializer || !ts.isIdentifier(decl.initializer)) continue;
      const name = decl.initializer.text;
      if (declared.has(name) && !isReassigned(sf, name)) aliases.set(decl.name.text, stmt);
    }
    const changes = [];
    for (const stmt of sf.statements) {
      if (!ts.isExportDeclaration(stmt) || stmt.moduleSpecifier || !stmt.exportClause || !ts.isNamedExports(stmt.exportClause)) continue;
      for (const spec of stmt.exportClause.elements) {
        const alias = aliases.get(spec.propertyName?.text);
        if (!alias || references(sf, spec.propertyName.text) !== 2) continue; // its declaration and this export only
        const name = alias.declarationList.declarations[0].initializer.text;
        if (name !== spec.name.text) continue;
        changes.push({ span: { start: alias.getFullStart(), length: alias.getEnd() - alias.getFullStart() }, newText: '' });
        changes.push({ span: { start: spec.getStart(sf), length: spec.getWidth(sf) }, newText: name });
      }
    }
    return changes.length ? applyChanges(text, changes) : text;
  }

  function references(sf, name) {
    let count = 0;
    (function visit(node) {
      if (ts.isIdentifier(node) && node.text === name) count++;
      ts.forEachChild(node, visit);
    })(sf);
    return count;
  }

  // Any use of `exports` or `module.exports` left after conversion (the early
  // assignment kept by valueModuleChanges aside) means the file is still CommonJS.
  function hasCommonJsExports(text, allowEarlyAssignment) {
    const sf = ts.createSourceFile('x.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JSX);
    let found = false;
    (function visit(node) {
      if (found) return;
      if (allowEarlyAssignment && node.parent === sf && moduleExportsAssignment(node)) return;
      if (isModuleExports(node) || (isExportsName(node) && !ts.isPropertyAccessExpression(node.parent) && !ts.isExportSpecifier(node.parent))) found = true;
      if (isExportsName(node) && ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node) found = true;
      ts.forEachChild(node, visit);
    })(sf);
    return found;
  }

  const NODE_GLOBALS = /\b(process|__dirname|__filename|Buffer|require|module|exports|global|setImmediate)\b/;

  // Whether the file needs Node's types: it imports a builtin or uses a Node global.
  function usesNode(sf) {
    const builtin = (s) => s.startsWith('node:') || builtinModules.includes(s.split('/')[0]);
    return sf.imports.some((s) => builtin(s.text)) || NODE_GLOBALS.test(sf.text);
  }

  function isRequireCall(node) {
    return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require';
  }

  // CommonJS syntax and no ES module syntax (`true` means "a module by its format", not syntax).
  function isCommonJs(sf) {
    return !!sf.commonJsModuleIndicator && (!sf.externalModuleIndicator || sf.externalModuleIndicator === true);
  }

  // A TypeScript module is strict-mode code (tsc emits "use strict"), so a
  // file using what only sloppy mode allows (`with`, `delete x`, `010`,
  // `interface` as a name) would stop loading once compiled: it stays
  // JavaScript. The binder reports these where it binds the file as strict
  // (an ES module with them would not load at all).
  const STRICT_MODE_ONLY = new Set(
    Object.values(ts.Diagnostics).filter((d) => /strict mode|^Octal/.test(d.message)).map((d) => d.code)
  );
  function sloppyModeError(sf) {
    const diag = (sf.bindDiagnostics || []).find((d) => STRICT_MODE_ONLY.has(d.code));
    return diag && `kept as JavaScript: it needs sloppy mode, which a TypeScript module does not have (${located(sf, diag)})`;
  }

  // `line L, column C: message`, for a skipped file's reason.
  function located(sf, diag) {
    const { line, character } = sf.getLineAndCharacterOfPosition(diag.start);
    return `line ${line + 1}, column ${character + 1}: ${ts.flattenDiagnosticMessageText(diag.messageText, ' ')}`;
  }

  // The names a kept JavaScript file exports, as far as TypeScript can tell,
  // that a declaration can name (`export const x`: no reserved words).
  function exportNames(checker, sf) {
    const exports = sf.symbol ? checker.getExportsAndPropertiesOfModule(sf.symbol) : []; // `exports.x`, or `module.exports = { x }`
    const reserved = (name) => {
      const token = ts.stringToToken(name);
      return token !== undefined && token >= ts.SyntaxKind.FirstReservedWord && token <= ts.SyntaxKind.LastFutureReservedWord;
    };
    return exports.map((symbol) => symbol.name).filter((name) => ts.isIdentifierText(name, ts.ScriptTarget.ES2022) && !reserved(name) && name !== '__esModule');
  }

  function firstSyntaxError(sf) {
    const diag = sf.parseDiagnostics[0];
    return diag && `does not parse: ${located(sf, diag)}`;
  }

  function moduleSpecifiers(sf) {
    const found = [];
    (function visit(node) {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) found.push(node.moduleSpecifier);
      else if (ts.isExternalModuleReference(node)) found.push(node.expression);
      else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])) {
        const callee = node.expression;
        if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) found.push(node.arguments[0]);
      }
      ts.forEachChild(node, visit);
    })(sf);
    return found.filter((n) => ts.isStringLiteralLike(n));
  }

  // `./list.jsx` names a file that becomes list.tsx and compiles to list.js:
  // TypeScript resolves `./list.js` to the .tsx source, and Node finds the output.
  function jsxSpecifiersToJs(file, text, jsxFiles) {
    if (!jsxFiles.size) return text;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JSX);
    const changes = [];
    for (const literal of moduleSpecifiers(sf)) {
      const spec = literal.text;
      if (!spec.startsWith('.') || !spec.endsWith('.jsx')) continue;
      if (!jsxFiles.has(path.resolve(path.dirname(file), spec))) continue;
      changes.push({ span: { start: literal.getEnd() - 2, length: 1 }, newText: '' }); // drop the x before the quote
    }
    return changes.length ? applyChanges(text, changes) : text;
  }

  // Which project files each file imports, as the JavaScript program resolved them.
  function importGraph(program, files) {
    const graph = {};
    for (const file of files) {
      const sf = program.getSourceFile(file);
      if (!sf) continue;
      const deps = new Set();
      for (const spec of sf.imports || []) {
        const resolved = program.getResolvedModuleFromModuleSpecifier(spec, sf)?.resolvedModule;
        if (resolved && !resolved.isExternalLibraryImport) deps.add(resolved.resolvedFileName);
      }
      graph[file] = Array.from(deps);
    }
    return graph;
  }

  function prepare(params) {
    const project = new Project(params.root, [], {});
    project.options = {
      allowJs: true,
      checkJs: false,
      noEmit: true,
      jsx: ts.JsxEmit.Preserve,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      // Nothing here needs the global types: the steps are syntax, the
      // binder's CommonJS indicators, module resolution and convertToEsModule,
      // whose name checks leave globals out. Without lib.*.d.ts (2.4 MB, most
      // of this program) the JavaScript program loads in about half the time.
      noLib: true,
      // Binds every file as the strict-mode code it becomes as a TypeScript
      // module, so what only sloppy mode allows shows (sloppyModeError).
      alwaysStrict: true,
    };
    project.rootFiles = params.files;
    project.program().getTypeChecker(); // binds every file: CommonJS indicators are set by the binder
    const graph = importGraph(project.program(), params.files);
    const migrate = params.migrate.filter((f) => project.program().getSourceFile(f));
    const result = {};
    const cjs = [];
    for (const file of migrate) {
      const sf = project.program().getSourceFile(file);
      const error = firstSyntaxError(sf) || sloppyModeError(sf);
      if (error) {
        result[file] = { skipped: error, unparseable: true, exports: exportNames(project.program().getTypeChecker(), sf) };
        continue;
      }
      result[file] = { jsx: hasJsx(sf), commonJs: isCommonJs(sf), usesNode: usesNode(sf), text: sf.text };
      result[file].extensionless = sf.imports.some((s) => /^\.\.?\//.test(s.text) && !/\.[cm]?[jt]sx?$|\.json$/.test(s.text));
      if (params.convertCommonJs && isCommonJs(sf)) cjs.push(file);
    }
    // Pass 1: syntax-only rewrites, each read from the program as it was
    // (asking the service after each new text would rebuild the program once
    // per file), then one program rebuild for pass 2.
    // `module.exports = <a value>` stays the module's value (`export =`), so
    // callers outside the migration, and Node's ESM loader, see the same thing.
    const exportEquals = new Set();
    const unconverted = project.program();
    for (const file of cjs) {
      let sf = unconverted.getSourceFile(file);
      const normalized = normalizeCommonJs(sf, graph);
      if (normalized.length) sf = ts.createSourceFile(file, applyChanges(sf.text, normalized), ts.ScriptTarget.Latest, true, ts.ScriptKind.JSX);
      const assigned = valueAssignment(sf);
      // an object the module goes on to change (`module.exports.mask = fast`) stays one object, the module's value
      const named = assigned && valueReferencesAfter(sf, assigned).length ? undefined : exportObjectAsNamed(sf);
      const changes = [...requireAliases(sf)];
      if (named) changes.push(named);
      if (assigned && isRequireCall(assigned.value)) {
        changes.push(reExportValue(sf, assigned.stmt, assigned.value));
        exportEquals.add(file);
        result[file].module = 'export =';
      } else if (!named && assigned) {
        const valueChanges = valueModuleChanges(sf, assigned);
        if (!valueChanges) {
          result[file] = { skipped: KEPT_COMMONJS };
          continue;
        }
        changes.push(...valueChanges);
        exportEquals.add(file);
        result[file].module = 'export =';
      }
      if (changes.length || normalized.length) setText(project, file, applyChanges(sf.text, changes));
    }
    // Pass 2: TypeScript's convertToEsModule, computed against one program.
    const converted = {};
    for (const file of cjs.filter((f) => !result[f].skipped)) {
      const sf = project.program().getSourceFile(file);
      let fixes;
      try {
        fixes = project.service.getCodeFixesAtPosition(file, 0, Math.min(1, sf.end), [COMMONJS_MODULE], FORMAT, PREFERENCES);
      } catch (err) {
        result[file] = { skipped: `kept as JavaScript: TypeScript's convertToEsModule failed on it (${String(err.message).split('\n')[0].trim()})` };
        continue;
      }
      const fix = fixes.find((f) => f.fixName === 'convertToEsModule');
      const kept = exportEquals.has(file) && sf.statements.find((stmt) => moduleExportsAssignment(stmt));
      const outside = (c) => !kept || c.span.start + c.span.length <= kept.getFullStart() || c.span.start >= kept.getEnd();
      converted[file] = fix ? exportedRequires(file, exportReadsByName(file, applyChanges(sf.text, editsFor(fix.changes, file).filter(outside)))) : sf.text;
      result[file].module = result[file].module || (fix ? 'es module' : 'commonjs');
    }
    const esModuleReason = esModuleOutput(params);
    for (const file of cjs.filter((f) => !result[f].skipped)) {
      if (hasCommonJsExports(converted[file], exportEquals.has(file))) result[file] = { skipped: KEPT_COMMONJS };
      else result[file].text = exportDeclarationsByName(file, converted[file]);
      const esModule = !result[file].skipped && esModuleReason(unconverted.getSourceFile(file)); // before parsing the text again
      if (esModule && hasCommonJsForms(file, result[file].text)) result[file] = { skipped: `kept as JavaScript: ${esModule}` };
    }
    const jsxFiles = new Set(migrate.filter((f) => f.endsWith('.jsx')));
    for (const file of migrate) {
      if (!result[file].skipped) result[file].text = jsxSpecifiersToJs(file, result[file].text, jsxFiles);
    }
    // JavaScript left as it is that does not parse (V8's `%HaveSameMap(…)` in
    // a test run with --allow-natives-syntax): tsc reports its syntax errors
    // even unchecked, so the tsconfig leaves it out.
    const unparsed = {};
    for (const file of params.files.filter((f) => !result[f] && /\.[cm]?jsx?$/.test(f))) {
      const sf = project.program().getSourceFile(file);
      const error = sf && firstSyntaxError(sf);
      if (error) unparsed[file] = { skipped: error, exports: exportNames(project.program().getTypeChecker(), sf) };
    }
    return { files: result, graph, unparsed };
  }

  // ------------------------------------------------------------ types (TypeScript program)

  function combinedFix(project, file, fixId) {
    try {
      return project.service.getCombinedCodeFix({ type: 'file', fileName: file }, fixId, FORMAT, PREFERENCES).changes;
    } catch (err) {
      return []; // a codefix that throws on some input must not sink the whole group
    }
  }

  function diagnosticsOf(project, file) {
    return [...project.service.getSyntacticDiagnostics(file), ...project.service.getSemanticDiagnostics(file)];
  }

  // `import x from './m'` where m has only named exports: x was the whole
  // `module.exports` object, which is exactly what a namespace import gives.
  function namespaceForMissingDefault(project, file) {
    const sf = project.program().getSourceFile(file);
    const changes = [];
    for (const diag of diagnosticsOf(project, file)) {
      if (!NO_DEFAULT_EXPORT.includes(diag.code)) continue;
      const token = ts.getTokenAtPosition(sf, diag.start);
      const clause = ts.findAncestor(token, ts.isImportClause);
      if (!clause || !clause.name || clause.namedBindings || clause.isTypeOnly) continue;
      changes.push({ span: { start: clause.name.getStart(sf), length: clause.name.getWidth(sf) }, newText: `* as ${clause.name.text}` });
    }
    return changes;
  }

  // `@param {T} [name]` is optional; annotateWithTypeFromJSDoc writes `name: T`.
  function optionalFromJsDoc(sf) {
    const changes = [];
    (function visit(node) {
      if (ts.isParameter(node) && ts.isIdentifier(node.name) && !node.questionToken && !node.initializer && !node.dotDotDotToken) {
        const tag = ts.getJSDocParameterTags(node).find((t) => t.isBracketed);
        if (tag) changes.push({ span: { start: node.name.getEnd(), length: 0 }, newText: '?' });
      }
      ts.forEachChild(node, visit);
    })(sf);
    return changes;
  }

  // fixMissingMember declares `x: T;` in a class for each `this.x` it cannot
  // find, and writes `m() { throw new Error('Method not implemented.') }` for
  // a method. In JavaScript those members are set at run time (by the
  // constructor, a base class's constructor, or `C.prototype.m = ...`), so any
  // code emitted for them changes behaviour: a field (emitted under
  // useDefineForClassFields) resets what a base constructor set, and a stub
  // method shadows the prototype's. Every member it adds to a class becomes a
  // `declare` field: a type and no code (a method, `declare m: (...) => any`).
  function declaredMissingMembers(sf, project) {
    return editsFor(combinedFix(project, sf.fileName, 'fixMissingMember'), sf.fileName).map((change) => {
      const inClass = ts.findAncestor(ts.getTokenAtPosition(sf, change.span.start), ts.isClassLike);
      return inClass ? { ...change, newText: declaredOnly(change.newText) } : change;
    });
  }

  const NOT_IMPLEMENTED_STUB = /^\{\s*throw new Error\(['"]Method not implemented\.['"]\);?\s*\}$/;

  function declaredOnly(members) {
    const prefix = 'class Members {';
    const text = `${prefix}${members}\n}`;
    const cls = ts.createSourceFile('members.ts', text, ts.ScriptTarget.Latest, true).statements[0];
    if (!cls || !ts.isClassDeclaration(cls)) return members;
    const sf = cls.getSourceFile();
    const isStatic = (m) => (ts.getModifiers(m) || []).some((k) => k.kind === ts.SyntaxKind.StaticKeyword);
    const changes = [];
    for (const member of cls.members) {
      if (isStatic(member) || isDeclared(member)) continue;
      if (ts.isPropertyDeclaration(member) && !member.initializer) {
        changes.push({ span: { start: member.getStart(sf), length: 0 }, newText: 'declare ' });
      } else if (ts.isMethodDeclaration(member) && member.body && NOT_IMPLEMENTED_STUB.test(member.body.getText(sf))) {
        const typeParameters = member.typeParameters ? `<${member.typeParameters.map((t) => t.getText(sf)).join(', ')}>` : '';
        const parameters = member.parameters.map((p) => p.getText(sf)).join(', ');
        const returns = member.type ? member.type.getText(sf) : 'any';
        const signature = `declare ${member.name.getText(sf)}: ${typeParameters}(${parameters}) => ${returns};`;
        changes.push({ span: { start: member.getStart(sf), length: member.getEnd() - member.getStart(sf) }, newText: signature });
      }
    }
    const out = applyChanges(text, changes);
    return out.slice(prefix.length, out.length - 2);
  }

  // A subclass that uses `this.x` set by its base class got its own
  // `declare x` in the same round as the base class; two declarations can
  // disagree on the type (TS2416). The base class's declaration is the one
  // kept, as in the JavaScript, where the base class sets it.
  function inheritedMembersOnce(sf, project) {
    const checker = project.program().getTypeChecker();
    const changes = [];
    (function visit(node) {
      if (ts.isClassLike(node) && ts.getClassExtendsHeritageElement(node)) {
        const symbol = node.name ? checker.getSymbolAtLocation(node.name) : node.symbol;
        const bases = symbol ? checker.getBaseTypes(checker.getDeclaredTypeOfSymbol(symbol)) : [];
        for (const member of node.members) {
          if (!ts.isPropertyDeclaration(member) || !isDeclared(member) || !ts.isIdentifier(member.name)) continue;
          if (bases.some((base) => checker.getPropertyOfType(base, member.name.text))) {
            changes.push({ span: { start: member.getFullStart(), length: member.getEnd() - member.getFullStart() }, newText: '' });
          }
        }
      }
      ts.forEachChild(node, visit);
    })(sf);
    return changes;
  }

  // fixMissingMember types `this.items = []` as `never[]` and `this.x = null` as
  // `null`: initial values, not the member's type. Drop those annotations so
  // inferFromUsage infers the type from every use of the member.
  const PLACEHOLDER_TYPES = new Set(['never[]', 'null', 'undefined', '{}', '{ }']);
  function dropPlaceholderMemberTypes(sf) {
    const changes = [];
    (function visit(node) {
      if (ts.isPropertyDeclaration(node) && node.type && !node.initializer && PLACEHOLDER_TYPES.has(node.type.getText(sf))) {
        const start = (node.questionToken || node.name).getEnd();
        changes.push({ span: { start, length: node.type.getEnd() - start }, newText: '' });
      }
      ts.forEachChild(node, visit);
    })(sf);
    return changes;
  }

  // Some codefixes print a type from another module as `import("/abs/path")`;
  // a project must not depend on where it was migrated.
  function relativeImportTypes(sf) {
    const changes = [];
    const pattern = /import\("(\/[^"]+)"\)/g;
    for (let match; (match = pattern.exec(sf.text)); ) {
      let spec = path.relative(path.dirname(sf.fileName), match[1]);
      if (!spec.startsWith('.')) spec = `./${spec}`;
      changes.push({ span: { start: match.index + 8, length: match[1].length }, newText: spec });
    }
    return changes;
  }

  // `this[KEY] = value` with `const KEY = Symbol()`: fixMissingMember does not
  // declare symbol-keyed members, so each use is an error (TS7053, or TS2339 /
  // TS2551 when a base class declares its own KEY). Declare
  // `[KEY]: <type of the assigned values>` in the class.
  const MISSING_SYMBOL_MEMBER = [7053, 2339, 2551];
  function declareSymbolMembers(sf, project) {
    const checker = project.program().getTypeChecker();
    const members = new Map();
    for (const diag of project.service.getSemanticDiagnostics(sf.fileName)) {
      if (!MISSING_SYMBOL_MEMBER.includes(diag.code)) continue;
      const access = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), ts.isElementAccessExpression);
      if (!access || access.expression.kind !== ts.SyntaxKind.ThisKeyword || !ts.isIdentifier(access.argumentExpression)) continue;
      const cls = ts.findAncestor(access, ts.isClassLike);
      const key = access.argumentExpression.text;
      if (!cls || !(checker.getTypeAtLocation(access.argumentExpression).flags & ts.TypeFlags.UniqueESSymbol)) continue;
      if (!members.has(cls)) members.set(cls, new Map());
      if (!members.get(cls).has(key)) members.get(cls).set(key, new Set());
      const parent = access.parent;
      if (ts.isBinaryExpression(parent) && parent.left === access && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const type = checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(parent.right));
        members.get(cls).get(key).add(checker.typeToString(type, cls, ts.TypeFormatFlags.NoTruncation));
      }
    }
    const changes = [];
    for (const [cls, keys] of members) {
      const brace = cls.members.pos;
      const lines = [...keys].map(([key, types]) => {
        const printable = [...types].filter((t) => !/import\(|\.\.\./.test(t));
        return `\n  declare [${key}]: ${printable.length && printable.length === types.size ? printable.join(' | ') : 'any'};`;
      });
      changes.push({ span: { start: brace, length: 0 }, newText: lines.join('') });
    }
    return changes;
  }

  // addMissingPropertyDefiniteAssignmentAssertions fixes TS2564, which
  // TypeScript reports only on a class field with a type and no initializer
  // that is neither `declare`, `static` nor `x!: T`. A file without such a
  // field has nothing to fix, and asking would re-check it on a new program.
  function hasUninitializedField(sf) {
    let found = false;
    (function visit(node) {
      if (found) return;
      if (ts.isPropertyDeclaration(node) && node.type && !node.initializer && !node.exclamationToken) {
        const modifiers = ts.getModifiers(node) || [];
        found = !modifiers.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword || m.kind === ts.SyntaxKind.StaticKeyword);
      }
      ts.forEachChild(node, visit);
    })(sf);
    return found;
  }

  // Each round costs one re-check of the targets, so steps that do not need
  // each other's edits share a round: they are computed on the same program
  // and their edits applied together. A round with `only` visits just the
  // files that test says its steps can change.
  const TYPE_ROUNDS = [
    { steps: ['convertTypedefToType', 'annotateWithTypeFromJSDoc'] },
    { steps: [optionalFromJsDoc] },
    { steps: ['inferFromUsage'] },
    { steps: [declaredMissingMembers, declareSymbolMembers] },
    { steps: [inheritedMembersOnce] },
    { steps: [dropPlaceholderMemberTypes] },
    { steps: ['inferFromUsage'], onlyChanged: true }, // where placeholder types were dropped
    { steps: ['addMissingPropertyDefiniteAssignmentAssertions'], only: hasUninitializedField },
    { steps: [relativeImportTypes] },
  ];

  // A round runs over every target file on one program, then all edits are
  // applied at once: one program rebuild per round, not one per file and step.
  // A round whose edits make a file unparsable (say, a JSDoc type TypeScript
  // cannot print) is dropped for that file. Returns the files it changed.
  function applyToAll(project, files, changesOf) {
    const pending = [];
    for (const file of files) {
      const changes = changesOf(file);
      if (!changes.length) continue;
      const before = project.readFile(file);
      const after = applyChanges(before, changes);
      if (syntaxErrorCount(project, file, after) <= syntaxErrorCount(project, file, before)) pending.push([file, after]);
    }
    for (const [file, text] of pending) setText(project, file, text);
    return pending.map(([file]) => file);
  }

  // Counted once per text: a file's text after one round is its text before the next.
  function syntaxErrorCount(project, file, text) {
    if (!project.syntaxErrors) project.syntaxErrors = new Map(); // file -> (text -> count), of its latest texts
    let counts = project.syntaxErrors.get(file);
    if (!counts || !counts.has(text)) {
      counts = new Map([...(counts || [])].slice(-2)); // the latest texts: the next round starts from one of them
      counts.set(text, ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false).parseDiagnostics.length);
      project.syntaxErrors.set(file, counts);
    }
    return counts.get(text);
  }

  // Where inferFromUsage cannot write an annotation (`fn.items = []` on a
  // function), it writes a JSDoc `@type` comment, which TypeScript ignores in
  // a .ts file: only noise in the user's code, so it is left out.
  // A combined fix may also add the same import twice, one for each use of a
  // type it names (`import anymatch, { Matcher }, { Matcher } from
  // 'anymatch'`), which does not parse and would cost the file the whole
  // round: an insert repeating one at the same place goes.
  // A type inferred from usage too long to read on a line is `any` instead
  // (see readableType).
  const JSDOC_TYPE = /^\s*\/\*\*[^]*@(type|param|returns?)\s*\{/;
  function codefixEdits(project, file, fixId) {
    const inserts = new Set();
    return editsFor(combinedFix(project, file, fixId), file).filter((change) => {
      if (JSDOC_TYPE.test(change.newText)) return false;
      if (change.span.length) return true;
      const key = `${change.span.start}:${change.newText}`;
      if (inserts.has(key)) return false;
      inserts.add(key);
      return true;
    }).map((change) => {
      const annotation = fixId === 'inferFromUsage' && /^: ([^]+)$/.exec(change.newText);
      return annotation && !readableType(annotation[1]) ? { ...change, newText: ': any' } : change;
    });
  }

  // inferFromUsage writes the shape of every use: a test framework's `t`
  // becomes `{ deepEqual: (arg0: any, arg1: { a: string[]; } | { b: ... }) =>
  // void; end: () => void; }`, its members' parameters the union of every
  // object literal passed. Past a line's worth such a type is one no one
  // would write, and mostly wrong where it is exact (the later errors, and
  // their suppressions, come from it). The residual steps narrow the `any`
  // it gets instead to `unknown` where nothing needs more.
  const READABLE_TYPE = 100; // characters (bench/migration: 60 to 200 tried)
  function readableType(text) {
    return text.length <= READABLE_TYPE;
  }

  function types(params) {
    const project = loadProject(params, compilerOptions(params));
    const targets = params.targets.filter((f) => project.program().getSourceFile(f));
    let changed = applyToAll(project, targets, (file) => namespaceForMissingDefault(project, file));
    for (const { steps, onlyChanged, only } of TYPE_ROUNDS) {
      const files = (onlyChanged ? changed : targets).filter((f) => !only || only(project.program().getSourceFile(f)));
      if (!files.length) continue;
      changed = applyToAll(project, files, (file) =>
        steps.flatMap((step) =>
          typeof step === 'string' ? codefixEdits(project, file, step) : step(project.program().getSourceFile(file), project)
        )
      );
    }
    return { texts: Object.fromEntries(targets.map((f) => [f, project.readFile(f)])) };
  }

  // ------------------------------------------------------------ residual errors

  function directiveText(sf, line, diags, root) {
    const codes = Array.from(new Set(diags.map((d) => `TS${d.code}`))).join(', ');
    // paths in messages are the run's snapshot: name them relative to the project
    let message = ts.flattenDiagnosticMessageText(diags[0].messageText, ' ').split('\n')[0].split(root + path.sep).join('');
    if (message.length > 120) message = message.slice(0, 117) + '...';
    message = message.replace(/\*\//g, '* /');
    const lineStart = sf.getPositionOfLineAndCharacter(line, 0);
    const indent = /^[ \t]*/.exec(sf.text.slice(lineStart))[0];
    const body = `@ts-expect-error -- ${codes}: ${message}`;
    return { lineStart, text: inJsxChildren(sf, lineStart + indent.length) ? `${indent}{/* ${body} */}\n` : `${indent}// ${body}\n` };
  }

  function inJsxChildren(sf, pos) {
    let node = ts.getTokenAtPosition(sf, pos);
    if (node.kind === ts.SyntaxKind.JsxText) return true;
    for (; node && node !== sf; node = node.parent) {
      const parent = node.parent;
      if (!parent) return false;
      if (ts.isJsxExpression(node) || ts.isJsxAttributes(node)) return false;
      if ((ts.isJsxElement(parent) || ts.isJsxFragment(parent)) && parent.children.includes(node)) return node.getStart(sf) >= pos;
    }
    return false;
  }

  // A line inside a multi-line string or template cannot take a comment above it.
  function insideLiteral(sf, lineStart) {
    const token = ts.getTokenAtPosition(sf, lineStart);
    return token.getStart(sf) < lineStart && ts.isLiteralKind(token.kind) || ts.isTemplateLiteralKind(token.kind) && token.getStart(sf) < lineStart;
  }

  function suppressionEdits(project, file) {
    const sf = project.program().getSourceFile(file);
    const byLine = new Map();
    const unused = new Set();
    for (const diag of diagnosticsOf(project, file)) {
      if (diag.category !== ts.DiagnosticCategory.Error || diag.start === undefined) continue;
      const { line } = sf.getLineAndCharacterOfPosition(diag.start);
      if (diag.code === UNUSED_DIRECTIVE) unused.add(line);
      else byLine.set(line, [...(byLine.get(line) || []), diag]);
    }
    const changes = [];
    for (const line of unused) {
      const start = sf.getPositionOfLineAndCharacter(line, 0);
      const end = line + 1 < sf.getLineStarts().length ? sf.getPositionOfLineAndCharacter(line + 1, 0) : sf.end;
      changes.push({ span: { start, length: end - start }, newText: '' });
    }
    let unsuppressable = 0;
    let asserted = 0;
    for (const [line, diags] of byLine) {
      if (unused.has(line - 1)) continue;
      if (diags.some((d) => DROPPED_FROM_OUTPUT.includes(d.code))) {
        unsuppressable += diags.length;
        continue;
      }
      const { lineStart, text } = directiveText(sf, line, diags, project.root);
      if (insideLiteral(sf, lineStart)) {
        const inline = diags.map((d) => inlineAssertion(sf, d)).filter(Boolean);
        unsuppressable += diags.length - inline.length;
        asserted += inline.length;
        changes.push(...inline.flat());
        continue;
      }
      changes.push({ span: { start: lineStart, length: 0 }, newText: text });
    }
    return { changes, unsuppressable, asserted };
  }

  const POSSIBLY_NULLISH = [2531, 2532, 2533, 18047, 18048, 18049];

  // A line inside a multi-line template literal cannot take a comment above
  // it; the expression with the error gets a non-null assertion (for
  // "possibly null or undefined") or an `as any` cast instead.
  function inlineAssertion(sf, diag) {
    const token = ts.getTokenAtPosition(sf, diag.start);
    const node = ts.findAncestor(token, (n) => n.getStart(sf) === diag.start && n.getEnd() === diag.start + diag.length && ts.isExpression(n));
    if (!node) return undefined;
    if (POSSIBLY_NULLISH.includes(diag.code)) return [{ span: { start: node.getEnd(), length: 0 }, newText: '!' }];
    return [
      { span: { start: node.getStart(sf), length: 0 }, newText: '(' },
      { span: { start: node.getEnd(), length: 0 }, newText: ' as any)' },
    ];
  }

  function countKeyword(sf, kind) {
    let count = 0;
    (function visit(node) {
      if (node.kind === kind) count++;
      ts.forEachChild(node, visit);
    })(sf);
    return count;
  }

  function countDirectives(text) {
    return (text.match(/@ts-expect-error -- TS\d+/g) || []).length;
  }

  const TOO_FEW_ARGUMENTS = [2554, 2555];

  // JavaScript callers may leave trailing arguments out. Where a call in the
  // program passes fewer arguments than a migrated function declares, the
  // parameters it leaves out become optional.
  // Errors with one of `codes` at calls in the target files, with the
  // migrated function each call resolves to (calls into other code are left).
  function* callsIntoMigratedCode(project, targets, codes) {
    const checker = project.program().getTypeChecker();
    const writable = new Set(targets);
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (!codes.includes(diag.code)) continue;
        const token = ts.getTokenAtPosition(sf, diag.start);
        const call = ts.findAncestor(token, (n) => ts.isCallExpression(n) || ts.isNewExpression(n));
        const declaration = call && checker.getResolvedSignature(call)?.declaration;
        if (!declaration || !declaration.parameters || !writable.has(declaration.getSourceFile().fileName)) continue;
        yield { sf, diag, token, call, declaration, checker };
      }
    }
  }

  function applyPerFile(project, edits) {
    const byFile = new Map();
    for (const edit of edits) {
      if (!byFile.has(edit.file)) byFile.set(edit.file, new Map());
      byFile.get(edit.file).set(edit.span.start, edit);
    }
    for (const [file, changes] of byFile) setText(project, file, applyChanges(project.readFile(file), [...changes.values()]));
  }

  function optionalForShortCalls(project, targets) {
    const edits = [];
    for (const { call, declaration } of callsIntoMigratedCode(project, targets, TOO_FEW_ARGUMENTS)) {
      for (const param of declaration.parameters.slice((call.arguments || []).length)) {
        if (param.questionToken || param.initializer || param.dotDotDotToken || !ts.isIdentifier(param.name)) continue;
        edits.push({ file: declaration.getSourceFile().fileName, span: { start: param.name.getEnd(), length: 0 }, newText: '?' });
      }
    }
    return edits;
  }

  // A type named `import('./request')` (a JSDoc type, now an annotation, or
  // one a codefix printed) needs the file's extension in an ES module under
  // node16 or nodenext (TS2835). TypeScript's message names the specifier it
  // means; a type import changes nothing at runtime.
  const NEEDS_EXTENSION = 2835;
  // `new Promise((resolve) => ... resolve())`: a promise resolved with
  // nothing is TypeScript's `Promise<unknown>`, whose `resolve` wants a value
  // (TS2794). TypeScript's own fix writes `new Promise<void>`; kept where
  // error lines plus anys go down.
  function voidForPromisesResolvedEmpty(project, targets) {
    const edits = targets.flatMap((file) => codefixEdits(project, file, 'addVoidToPromise').map((change) => ({ file, ...change })));
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  function importTypeExtensions(project, targets) {
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== NEEDS_EXTENSION) continue;
        const literal = ts.getTokenAtPosition(sf, diag.start);
        const meant = /Did you mean '([^']+)'\?/.exec(ts.flattenDiagnosticMessageText(diag.messageText, ' '));
        if (!meant || !ts.isStringLiteral(literal) || !ts.findAncestor(literal, ts.isImportTypeNode)) continue;
        edits.push({ file, span: { start: literal.getStart(sf) + 1, length: literal.text.length }, newText: meant[1] });
      }
    }
    return edits;
  }

  const ARGUMENT_NOT_ASSIGNABLE = 2345;
  const SMALL_OBJECT_TYPE = 80; // characters of an object type written for a record's values

  // The type of `expr` (widened from a literal) as it can be written at
  // `site`: no `any`, `unique symbol` or `this`, no `import(...)`, no
  // function type, no object type (with `objects`, a short one), and every
  // name in it resolves there; undefined otherwise.
  function writableType(checker, expr, site, { objects = false } = {}) {
    const text = checker.typeToString(checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(expr)), site, ts.TypeFormatFlags.NoTruncation);
    if (/\bany\b|\bunique symbol\b|\bthis\b|import\(|\.\.\.|=>/.test(text) || (/\{/.test(text) && !(objects && text.length <= SMALL_OBJECT_TYPE))) return undefined;
    return namesResolve(checker, text, site) ? text : undefined;
  }

  // Whether every name a type's text refers to resolves at `site`.
  function namesResolve(checker, text, site) {
    return typeNames(text).every(([name, meaning]) => checker.resolveName(name, site, meaning, false));
  }

  // The names a type's text refers to, each with what it must name (the
  // first name of `A.B`, and of `typeof x`); not the properties of its object types.
  function typeNames(text) {
    const sf = ts.createSourceFile('type.ts', `type T = ${text};`, ts.ScriptTarget.Latest, true);
    const names = [];
    const first = (name) => (ts.isIdentifier(name) ? name : first(name.left));
    (function visit(node) {
      if (ts.isTypeReferenceNode(node)) names.push([first(node.typeName).text, ts.SymbolFlags.Type]);
      if (ts.isTypeQueryNode(node)) names.push([first(node.exprName).text, ts.SymbolFlags.Value]);
      ts.forEachChild(node, visit);
    })(sf.statements[0].type);
    return names;
  }

  // Where a caller passes a type the inferred parameter type does not accept,
  // the parameter accepts both: inference saw fewer callers than the program
  // has. Only types that can be written where the parameter is declared.
  function widenForCallers(project, targets) {
    const additions = new Map();
    for (const { sf, diag, token, call, declaration, checker } of callsIntoMigratedCode(project, targets, [ARGUMENT_NOT_ASSIGNABLE])) {
      const arg = ts.findAncestor(token, (n) => n.getStart(sf) === diag.start && n.getEnd() === diag.start + diag.length);
      const param = declaration.parameters[(call.arguments || []).indexOf(arg)];
      if (!arg || arg.parent !== call || !param || !param.type || param.dotDotDotToken) continue;
      const text = writableType(checker, arg, param);
      if (!text) continue;
      if (!additions.has(param)) additions.set(param, new Set());
      additions.get(param).add(text);
    }
    const edits = [];
    for (const [param, texts] of additions) {
      const sf = param.getSourceFile();
      const old = param.type.getText(sf);
      const widened = `${/=>/.test(old) ? `(${old})` : old} | ${[...texts].join(' | ')}`;
      edits.push({ file: sf.fileName, span: { start: param.type.getStart(sf), length: param.type.getWidth(sf) }, newText: widened });
    }
    return edits;
  }

  const NO_SUCH_PROPERTY = 2339;
  const NO_SUCH_PROPERTY_SUGGESTED = 2551; // ... Did you mean 'y'?
  const NO_INDEX_SIGNATURE = 7053; // Element implicitly has an 'any' type because ... can't be used to index type '{}'

  // Objects TypeScript knows nothing about, whose properties are then used:
  // `const x = {}` filled in later (`x.a = 1`, `x[key] = 1`), an options
  // parameter defaulting to `{}` (`function f(opts = {})`), and JSDoc's
  // `{Object}` (annotated `object`) on a parameter, a variable or a
  // function's result (`@returns {Object}`). TypeScript rejects every
  // property of those; one `Record<string, any>` where the type comes from
  // replaces the errors. Errors given extra properties (`err.code = ...` on
  // `new Error()` or an `{Error}` parameter) become `Error & Record<string, any>`.
  function recordsForUntypedObjects(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== NO_SUCH_PROPERTY && diag.code !== NO_INDEX_SIGNATURE) continue;
        const access = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), (n) => ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n));
        const edit = access && recordWhereTyped(checker, access.expression, diag.code === NO_SUCH_PROPERTY);
        if (edit && targets.includes(edit.file)) edits.push(edit);
      }
    }
    return edits;
  }

  const RECORD = 'Record<string, any>';
  const ERROR_TYPE = /^(Error|[A-Z]\w*Error)$/;
  const isObjectTypeNode = (node) =>
    !!node && (node.kind === ts.SyntaxKind.ObjectKeyword || (ts.isTypeReferenceNode(node) && node.typeName.getText() === 'Object' && !node.typeArguments));
  const isErrorTypeNode = (node) => !!node && ts.isTypeReferenceNode(node) && ERROR_TYPE.test(node.typeName.getText()) && !node.typeArguments;

  // The edit that types an expression's object as a record where that type
  // is written: an `object` (or error) type node replaced, or a declaration
  // initialized with `{}` (or `new Error()`) annotated; through variables
  // initialized from a call or another variable. Undefined if there is none.
  function recordWhereTyped(checker, expr, extraProperty, depth = 0) {
    const replace = (node, text) => ({ file: node.getSourceFile().fileName, span: { start: node.getStart(), length: node.getWidth() }, newText: text });
    const typed = (node) => {
      if (isObjectTypeNode(node)) return replace(node, RECORD);
      if (extraProperty && isErrorTypeNode(node)) return replace(node, `${node.getText()} & ${RECORD}`);
      return undefined;
    };
    if (ts.isCallExpression(expr) || ts.isNewExpression(expr)) {
      const declaration = checker.getResolvedSignature(expr)?.declaration;
      return declaration?.type ? typed(declaration.type) : undefined;
    }
    const symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(expr) ? expr.name : expr);
    const declaration = symbol?.valueDeclaration;
    if (!declaration || !(ts.isVariableDeclaration(declaration) || ts.isParameter(declaration) || ts.isPropertyDeclaration(declaration))) return undefined;
    const reduce = !declaration.type && reduceIntoEmptyObject(declaration);
    if (reduce) return { file: reduce.getSourceFile().fileName, span: { start: reduce.expression.getEnd(), length: 0 }, newText: `<${RECORD}>` };
    if (declaration.type) return typed(declaration.type);
    const init = declaration.initializer;
    const annotate = (text) => ({ file: declaration.getSourceFile().fileName, span: { start: (declaration.questionToken || declaration.name).getEnd(), length: 0 }, newText: `: ${text}` });
    if (ts.isPropertyDeclaration(declaration) && !init && setToEmptyObjectInConstructor(declaration)) return annotate(RECORD);
    if (!ts.isIdentifier(declaration.name) || !init) return undefined;
    if (ts.isObjectLiteralExpression(init) && !init.properties.length) return annotate(RECORD);
    if (extraProperty && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && ERROR_TYPE.test(init.expression.text) && !init.typeArguments) {
      return annotate(`${init.expression.text} & ${RECORD}`);
    }
    const followed = (ts.isCallExpression(init) || ts.isIdentifier(init)) && depth < 4; // `var a = b, b = a` ends
    return followed ? recordWhereTyped(checker, init, extraProperty, depth + 1) : undefined;
  }

  // The call `xs.reduce((acc, x) => ..., {})` whose accumulator `param` is:
  // TypeScript types it `{}`, from the initial value. Undefined otherwise.
  function reduceIntoEmptyObject(param) {
    const fn = param.parent;
    const call = fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && fn.parameters[0] === param ? fn.parent : undefined;
    return call && ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'reduce' &&
      !call.typeArguments && call.arguments.length === 2 && call.arguments[0] === fn && isEmptyObject(call.arguments[1]) ? call : undefined;
  }

  // `declare x;` with `this.x = {}` in the constructor: TypeScript takes the
  // member's type, `{}`, from that assignment.
  function setToEmptyObjectInConstructor(member) {
    if (!ts.isIdentifier(member.name)) return false;
    const constructor = member.parent.members.find((m) => ts.isConstructorDeclaration(m) && m.body);
    let found = false;
    (function visit(node) {
      if (found) return;
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && isEmptyObject(node.right)) {
        const left = node.left;
        found = ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword && left.name.text === member.name.text;
      }
      if (!ts.isFunctionLike(node) || node === constructor) ts.forEachChild(node, visit);
    })(constructor || member);
    return found && !!constructor;
  }

  // ------------------------------------------------------------ edits kept only where they add no error

  const TRIAL_ROUNDS = 4;

  // Tries `edits` (parameterEdit, declarationEdit) on the whole program at once. An edit is
  // kept only if the program then has no error at a place where it had none,
  // and its function's inferred result type is the same (a changed result
  // would move errors to its callers). A new error puts back the edits of
  // the parameters it names (editedParametersNamedAt), else those of the
  // functions around it, else of the functions a call there may call
  // (`this[name](...)` calls each method `name` can be), else of its file;
  // the rest are tried again. An error nothing explains puts everything
  // back. `errorsBefore` (errorsOf the same texts) saves checking them again.
  // With `sameResults: false` a result may change, and where a new error
  // has no other explanation, the edits whose results changed are put back;
  // with `unsettled: 'keep'`, edits still left after the last round are kept
  // with their new errors (for a caller that weighs the errors itself).
  // `users` (fnId -> usesOf) puts back, for an error no edit's own span
  // explains, the edits of what is used in the statement around it, else in
  // the function around it, else in its file; where nothing explains an
  // error, half of the edits left, until it goes. Returns the edits kept.
  function keepWhereNoNewErrors(project, targets, edits, errorsBefore = undefined, { sameResults = true, rounds = TRIAL_ROUNDS, unsettled = 'drop', users = undefined } = {}) {
    if (!edits.length) return [];
    const originals = new Map(targets.map((file) => [file, project.readFile(file)]));
    const before = new Set((errorsBefore || errorsOf(project, targets, new Map())).map((error) => error.id));
    const results = resultTypes(project, edits, new Map());
    let kept = edits;
    for (let round = 0; round < rounds && kept.length; round++) {
      const written = writeEdits(project, originals, kept);
      const errors = errorsOf(project, targets, written); // first, as for `before`: the checker's order can matter
      const changed = new Set([...resultTypes(project, kept, written)].filter(([fn, text]) => results.get(fn) !== text).map(([fn]) => fn));
      const blamed = new Set(sameResults ? kept.filter((edit) => changed.has(edit.fnId)) : []);
      const unexplained = [];
      for (const error of errors) {
        if (before.has(error.id)) continue;
        const around = kept.filter((edit) => edit.file === error.file && edit.fnStart <= error.start && error.start < edit.fnEnd);
        const named = editedParametersNamedAt(project, error, around, written);
        let owners = named.length ? named : around.length ? around : calledEditedFunctions(project, error, kept, written);
        const usersAt = (key) => kept.filter((edit) => (users.get(edit.fnId) || []).some((span) => span.file === error.file && (!key || span[key][0] <= error.start && error.start < span[key][1])));
        for (const key of users ? ['statement', 'scope', undefined] : []) if (!owners.length) owners = usersAt(key);
        if (owners.length) owners.forEach((edit) => blamed.add(edit));
        else unexplained.push(error);
      }
      if (!blamed.size) {
        if (!unexplained.length) return kept;
        if (unsettled === 'keep') break; // the new errors nothing explains stay
        unexplained.forEach((error) => kept.filter((edit) => edit.file === error.file).forEach((edit) => blamed.add(edit)));
        if (!blamed.size) kept.filter((edit) => changed.has(edit.fnId)).forEach((edit) => blamed.add(edit)); // results may change: what changed them
        if (!blamed.size && users) kept.slice(0, Math.ceil(kept.length / 2)).forEach((edit) => blamed.add(edit)); // half of them, until it goes
        if (!blamed.size) break;
      }
      if (unsettled === 'keep' && round === rounds - 1) return kept;
      kept = kept.filter((edit) => !blamed.has(edit));
    }
    if (unsettled === 'keep') {
      writeEdits(project, originals, kept);
      return kept;
    }
    writeEdits(project, originals, []); // no set of functions settled within the rounds: none keeps its edits
    return [];
  }

  // The edits (among `around`) of the parameters that the error's own text
  // names: for `opts.key`, the edits in the type of `opts`'s `key`; for a
  // bare `value`, all of `value`'s. Only those are blamed.
  function editedParametersNamedAt(project, error, around, written) {
    if (!around.length) return [];
    const checker = project.program().getTypeChecker();
    const sf = project.program().getSourceFile(error.file);
    const end = error.diag.start + (error.diag.length || 0);
    const named = new Set(); // edit owners (parameters), or `owner.property`
    (function visit(node) {
      if (node.getEnd() <= error.diag.start || node.getStart(sf) >= end) return;
      const declaration = ts.isIdentifier(node) && checker.getSymbolAtLocation(node)?.valueDeclaration;
      if (declaration && ts.isParameter(declaration) && declaration.getSourceFile() === sf) {
        const parameter = `${error.file}:${originalOffset(declaration.getStart(sf), written.get(error.file) || [])}`;
        const access = ts.isPropertyAccessExpression(node.parent) && node.parent.expression === node ? node.parent : undefined;
        named.add(access ? `${parameter}.${access.name.text}` : parameter);
      }
      ts.forEachChild(node, visit);
    })(sf);
    const isNamed = (edit) =>
      named.has(edit.owner) ||
      named.has(`${edit.owner}.${edit.property}`) ||
      (edit.property === undefined && [...named].some((name) => name.startsWith(`${edit.owner}.`))); // `x.key` with `x: any`
    return around.filter(isNamed);
  }

  // The edits of the functions a call at the error may call.
  function calledEditedFunctions(project, error, kept, written) {
    const checker = project.program().getTypeChecker();
    const sf = project.program().getSourceFile(error.file);
    const call = ts.findAncestor(ts.getTokenAtPosition(sf, error.diag.start), (n) => ts.isCallExpression(n) || ts.isNewExpression(n));
    if (!call) return [];
    const callee = checker.getTypeAtLocation(call.expression);
    const declarations = (callee.isUnion() ? callee.types : [callee])
      .flatMap((type) => [...type.getCallSignatures(), ...type.getConstructSignatures()])
      .map((signature) => signature.declaration)
      .filter((declaration) => declaration && declaration.getSourceFile);
    return kept.filter((edit) =>
      declarations.some((d) => d.getSourceFile().fileName === edit.file && originalOffset(d.getStart(), written.get(edit.file) || []) === edit.fnStart)
    );
  }

  // An edit of the current program in the annotation of the parameter
  // `param` (in the type of its `property`, for an edit inside an object type).
  function parameterEdit(param, start, length, newText, property) {
    const sf = param.getSourceFile();
    const fn = param.parent;
    return {
      file: sf.fileName, start, length, newText, owner: `${sf.fileName}:${param.getStart(sf)}`, property,
      fnId: `${sf.fileName}:${fn.getStart(sf)}`, fnStart: fn.getStart(sf), fnEnd: fn.getEnd(), typed: !!fn.type,
    };
  }

  // An edit of the current program in a variable's declaration, which has no
  // result type to keep; its statement is the function-like span it owns.
  function declarationEdit(declaration, start, length, newText) {
    const sf = declaration.getSourceFile();
    const statement = ts.findAncestor(declaration, ts.isVariableStatement) || declaration;
    const owner = `${sf.fileName}:${declaration.getStart(sf)}`;
    return { file: sf.fileName, start, length, newText, owner, fnId: owner, fnStart: statement.getStart(sf), fnEnd: statement.getEnd(), typed: true };
  }

  // Each target's original text with the given edits (and no others);
  // returns, per file, the edits written, in text order.
  function writeEdits(project, originals, edits) {
    const byFile = editsByFile(edits);
    for (const [file, text] of originals) {
      const sorted = byFile.get(file) || [];
      byFile.set(file, sorted);
      setText(project, file, applyChanges(text, sorted.map((e) => ({ span: { start: e.start, length: e.length }, newText: e.newText }))));
    }
    return byFile;
  }

  // File -> its edits, in text order.
  function editsByFile(edits) {
    const byFile = new Map();
    for (const edit of edits) {
      if (!byFile.has(edit.file)) byFile.set(edit.file, []);
      byFile.get(edit.file).push(edit);
    }
    for (const sorted of byFile.values()) sorted.sort((a, b) => a.start - b.start);
    return byFile;
  }

  // An offset in the edited text as an offset in the original one (an offset
  // inside an edit's new text is that edit's start).
  function originalOffset(offset, written) {
    let moved = 0;
    for (const edit of written) {
      const start = edit.start + moved;
      if (offset < start) break;
      if (offset < start + edit.newText.length) return edit.start;
      moved += edit.newText.length - edit.length;
    }
    return offset - moved;
  }

  function editedOffset(offset, written) {
    return offset + written.filter((e) => e.start < offset).reduce((moved, e) => moved + e.newText.length - e.length, 0);
  }

  // Every error in the targets, with `id` naming where it starts in the original text.
  function errorsOf(project, targets, written) {
    const errors = [];
    for (const file of targets) {
      for (const diag of diagnosticsOf(project, file)) {
        if (diag.category !== ts.DiagnosticCategory.Error || diag.start === undefined) continue;
        const start = originalOffset(diag.start, written.get(file) || []);
        errors.push({ id: `${file}:${start}`, file, start, diag });
      }
    }
    return errors;
  }

  // The inferred result type of each function with edits (none where it is written).
  function resultTypes(project, edits, written) {
    const checker = project.program().getTypeChecker();
    const types = new Map();
    for (const edit of edits) {
      if (types.has(edit.fnId) || edit.typed) continue;
      const sf = project.program().getSourceFile(edit.file);
      const start = editedOffset(edit.fnStart, written.get(edit.file) || []);
      const fn = ts.findAncestor(ts.getTokenAtPosition(sf, start), (n) => ts.isFunctionLike(n) && n.getStart(sf) === start);
      const signature = fn && checker.getSignatureFromDeclaration(fn);
      types.set(edit.fnId, signature ? checker.typeToString(signature.getReturnType(), fn, ts.TypeFormatFlags.NoTruncation) : '');
    }
    return types;
  }

  // ------------------------------------------------------------ usage inference for parameters left any

  // Parameters typed `any` in the typing rounds may have a type now: the
  // functions they are passed to, and their callers, were typed in the same
  // rounds. Their `any` is removed on a scratch copy of the program and
  // TypeScript's inferFromUsage asked again; a type it finds (one with no
  // `any` in it) replaces the `any` where the whole program stays as it was
  // (typesForUntyped), so a type inferred from some callers that others do
  // not fit is not kept. Returns the edits, the program as it was.
  function inferredParameterEdits(project, targets) {
    const originals = new Map(targets.map((file) => [file, project.readFile(file)]));
    const sites = targets.flatMap((file) => untypedParameters(project.program().getSourceFile(file)));
    const fields = targets.flatMap((file) => fieldsDeclaredAny(project.program().getSourceFile(file)));
    const removals = [
      ...sites.map(({ param }) => parameterEdit(param, untypedEnd(param), param.type.getEnd() - untypedEnd(param), '')),
      ...fields.map(({ field }) => declarationEdit(field, untypedEnd(field), field.type.getEnd() - untypedEnd(field), '')),
    ];
    const written = writeEdits(project, originals, removals);
    const inferred = new Map(); // original offset of a declaration's type -> the type inferred for it
    const keep = (file, change, removed) => {
      const match = /^: ([^]+)$/.exec(change.newText);
      if (!match || removed === undefined || change.span.length || /\bany\b|import\(/.test(match[1]) || !readableType(match[1])) return;
      inferred.set(`${file}:${removed}`, match[1]);
    };
    for (const file of new Set(sites.map((site) => site.file))) {
      const at = new Map(written.get(file).map((removal) => [editedOffset(removal.start, written.get(file)), removal.start]));
      for (const change of editsFor(combinedFix(project, file, 'inferFromUsage'), file)) keep(file, change, at.get(change.span.start));
    }
    // An untyped field that its constructor assigns has no error to fix
    // (TypeScript types it from the assignments), so its inference is asked
    // for at the field as TS7008, the error it would have.
    for (const { file, field } of fields) {
      const removed = untypedEnd(field);
      const start = editedOffset(field.name.getStart(), written.get(file));
      let fixes = [];
      try {
        fixes = project.service.getCodeFixesAtPosition(file, start, start + field.name.getWidth(), [MEMBER_IMPLICITLY_ANY], FORMAT, PREFERENCES);
      } catch {
        continue; // TypeScript's formatter fails on some inferred types (a Debug Failure); the field stays `any`
      }
      const fix = fixes.find((f) => f.fixName === 'inferFromUsage');
      for (const change of fix ? editsFor(fix.changes, file) : []) {
        // the shape of a field's uses is seldom what it holds (a formatter used for `wrap` only)
        if (change.span.start === editedOffset(removed, written.get(file)) && !/[{(]/.test(change.newText)) keep(file, change, removed);
      }
    }
    writeEdits(project, originals, []);
    return [
      ...sites
        .filter(({ file, param }) => inferred.has(`${file}:${untypedEnd(param)}`))
        .map(({ file, param }) => parameterEdit(param, param.type.getStart(), 3, inferred.get(`${file}:${untypedEnd(param)}`))),
      ...fields
        .filter(({ file, field }) => inferred.has(`${file}:${untypedEnd(field)}`))
        .map(({ file, field }) => declarationEdit(field, field.type.getStart(), 3, inferred.get(`${file}:${untypedEnd(field)}`))),
    ];
  }

  // Class fields kimi-lsp declared (`declare x: any`) whose type is exactly `any`.
  const MEMBER_IMPLICITLY_ANY = 7008;
  function fieldsDeclaredAny(sf) {
    const fields = [];
    (function visit(node) {
      if (ts.isPropertyDeclaration(node) && isDeclared(node) && node.type && node.type.kind === ts.SyntaxKind.AnyKeyword && ts.isIdentifier(node.name)) {
        fields.push({ file: sf.fileName, field: node });
      }
      ts.forEachChild(node, visit);
    })(sf);
    return fields;
  }

  // Types for what is still untyped, from usage inference (parameters and
  // fields) and from what is put in them (arrays, class members), and for
  // what was typed where TypeScript cannot use it (JSDoc names, `this`),
  // tried together on the whole program: one trial, on the errors of the
  // program as it is. `this` types outside a class are tried apart:
  // TypeScript reads them as errors, so as `any`, and with a class in their
  // place a function's result may change (sameResults: false).
  function typesForUntyped(project, targets) {
    const before = errorsOf(project, targets, new Map());
    const thisTypes = before.some((error) => error.diag.code === THIS_TYPE_OUTSIDE_CLASS);
    const edits = [jsDocNameEdits, memberArrayEdits, evolvingArrayEdits, recordValueEdits, inferredParameterEdits].flatMap((edits) => edits(project, targets));
    let kept = keepWhereNoNewErrors(project, targets, edits, before);
    // a JSDoc name whose type brings errors (`{function}` as `Function` where a
    // callback's signature is needed) is tried as what the name falls back to,
    // with the other JSDoc names of its functions, and then as what that falls
    // back to (an inferred result, then `any`)
    const keptFirst = new Set(kept);
    let dropped = edits.filter((edit) => !keptFirst.has(edit));
    // (`any`, the last of them, brings no error itself, only shares the blame: it is tried again each round)
    const next = (edit) => edit.fallback || (edit.newText === 'any' ? edit : undefined);
    for (let round = 0; round < 2; round++) {
      const written = editsByFile(kept); // edits at their offsets in the program before typesForUntyped
      const tried = new Map(dropped.filter(next).map((edit) => [movedPast(next(edit), written), next(edit)]));
      if (!tried.size) break;
      const keptNow = new Set(keepWhereNoNewErrors(project, targets, [...tried.keys()]));
      kept = kept.concat([...tried].filter(([moved]) => keptNow.has(moved)).map(([, edit]) => edit));
      dropped = [...tried].filter(([moved]) => !keptNow.has(moved)).map(([, edit]) => edit);
    }
    if (!thisTypes) return;
    keepWhereNoNewErrors(project, targets, thisTypeEdits(project, targets), undefined, { sameResults: false });
    anyForThisTypesLeft(project, targets);
  }

  // An edit of the program before the edits `written` (per file, each at its
  // original offset), moved to the same place in the program after them.
  function movedPast(edit, written) {
    const at = (offset) => editedOffset(offset, written.get(edit.file) || []);
    const id = (key) => key.replace(/:(\d+)$/, (_, offset) => `:${at(Number(offset))}`);
    return { ...edit, start: at(edit.start), fnStart: at(edit.fnStart), fnEnd: at(edit.fnEnd), owner: id(edit.owner), fnId: id(edit.fnId) };
  }

  // Parameters annotated exactly `any` in functions with a body.
  function untypedParameters(sf) {
    const sites = [];
    (function visit(node) {
      if (ts.isFunctionLike(node) && node.body && !ts.isAccessor(node)) {
        for (const param of node.parameters) {
          if (param.type && param.type.kind === ts.SyntaxKind.AnyKeyword && !param.dotDotDotToken && ts.isIdentifier(param.name) && !isThis(param)) sites.push({ file: sf.fileName, param });
        }
      }
      ts.forEachChild(node, visit);
    })(sf);
    return sites;
  }

  // `this: any` says what a function is called on (anyThisForFunctions), not what it is passed.
  const isThis = (param) => ts.isIdentifier(param.name) && param.name.text === 'this';

  // Where a declaration's type annotation starts (after its name and `?` or `!`).
  const untypedEnd = (declaration) => (declaration.questionToken || declaration.exclamationToken || declaration.name).getEnd();

  // ------------------------------------------------------------ unknown for parameters that need nothing

  const BINDING_IMPLICITLY_ANY = 7031; // Binding element 'x' implicitly has an 'any' type

  // A destructured parameter without a type (knex's parsers, `function ({
  // index = 0, input })`) has an error for each name nothing types (TS7031),
  // or, defaulting to `{}`, for each name `{}` does not have (TS2339).
  // It gets the object type it destructures, `{ index?: number; input:
  // unknown }`: a name with a default is optional and of its default's type,
  // one without is `unknown` (optional too where the whole pattern has a
  // default). Kept where the whole program stays as it was
  // (keepWhereNoNewErrors), so only where the function needs nothing of those
  // values.
  function typesForDestructuredParameters(project, targets) {
    const checker = project.program().getTypeChecker();
    const params = new Set();
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== BINDING_IMPLICITLY_ANY && diag.code !== NO_SUCH_PROPERTY) continue;
        const token = ts.getTokenAtPosition(sf, diag.start);
        const param = ts.findAncestor(token, (n) => ts.isParameter(n) || ts.isFunctionLike(n));
        if (!param || !ts.isParameter(param) || param.type || param.questionToken || !ts.isObjectBindingPattern(param.name)) continue;
        // `({ label } = {})`: each name is a property `{}` does not have
        const emptyDefault = param.initializer && ts.isObjectLiteralExpression(param.initializer) && !param.initializer.properties.length;
        if (diag.code === BINDING_IMPLICITLY_ANY || (emptyDefault && ts.findAncestor(token, ts.isBindingElement))) params.add(param);
      }
    }
    const edits = [];
    for (const param of params) {
      const members = param.name.elements.map((element) => {
        const key = element.propertyName || element.name;
        if (element.dotDotDotToken || !ts.isIdentifier(element.name) || !ts.isIdentifier(key)) return undefined;
        if (!element.initializer) return `${key.text}${param.initializer ? '?' : ''}: unknown`; // `({ a } = {})`: may be missing
        const type = writableType(checker, element.initializer, param);
        return type && `${key.text}?: ${type}`;
      });
      if (members.length && members.every(Boolean)) edits.push(parameterEdit(param, param.name.getEnd(), 0, `: { ${members.join('; ')} }`));
    }
    keepWhereNoNewErrors(project, targets, edits);
  }

  // A parameter left `any` (inference found nothing to go on) that its
  // function only passes on, compares or narrows needs nothing of its value:
  // `unknown` says so, and keeps the function from using it unchecked. Every
  // `any` in a parameter's annotation outside function types and type
  // arguments (`x: any`, `x: any[]` or `Array<any>`, `opts: { a: any }`)
  // becomes `unknown` where the whole program stays as it was
  // (keepWhereNoNewErrors).
  function unknownForUntypedParameters(project, targets) {
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      (function visit(node) {
        if (ts.isFunctionLike(node) && node.body && !ts.isAccessor(node)) {
          for (const param of node.parameters) {
            if (!param.type || isThis(param) || (param.dotDotDotToken && param.type.kind === ts.SyntaxKind.AnyKeyword)) continue;
            for (const keyword of anyKeywordsOutsideFunctionTypes(param.type)) {
              edits.push(parameterEdit(param, keyword.getStart(sf), 3, 'unknown', propertyOf(keyword, param.type)));
            }
          }
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    keepWhereNoNewErrors(project, targets, edits);
  }

  // The same for a function's written result type (JSDoc's `@return
  // {Array}` is `Array<any>`) and a class field's type: an `any` there
  // becomes `unknown` where nothing using the value needs more of it than
  // to pass it on or narrow it. A field declared `any` whose class assigns
  // it values with types (its members were declared before the
  // constructor's parameters had any: `this.client = client`) is tried with
  // their types instead. An error where the value is used is blamed on the
  // functions and fields named in the statement or function around it.
  function unknownForAnyResultsAndFields(project, targets) {
    const before = errorsOf(project, targets, new Map()); // first: looking up symbols changes the order the checker works in
    const checker = project.program().getTypeChecker();
    const edits = [];
    const names = new Map(); // owner -> the name it is used by
    const assigned = new Map(); // field -> the type of what its class assigns to it
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      (function visit(node) {
        if (ts.isClassLike(node)) for (const [field, values] of assignedFields(node)) assigned.set(field, assignedType(checker, field, values));
        const typed = (ts.isFunctionLike(node) && node.body) || (ts.isPropertyDeclaration(node) && ts.isIdentifier(node.name));
        // a chainable method's `any` (it returns `this`) stays: its callers outside the program chain on it
        const keywords = typed && node.type && !returnsThis(node) ? anyKeywordsOutsideFunctionTypes(node.type) : [];
        const name = keywords.length && (ts.isPropertyDeclaration(node) ? node.name : functionName(node));
        if (name) {
          const owner = `${file}:${node.getStart(sf)}`;
          for (const keyword of keywords) {
            const newText = (keyword === node.type && assigned.get(node)) || 'unknown';
            edits.push({ file, owner, fnId: owner, fnStart: node.getStart(sf), fnEnd: node.getEnd(), typed: true, start: keyword.getStart(sf), length: 3, newText });
          }
          names.set(owner, name);
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    const uses = usesOf(project, targets, [...names.values()]);
    const users = new Map([...names].map(([owner, name]) => [owner, uses.get(name) || []]));
    keepWhereNoNewErrors(project, targets, edits, before, { sameResults: false, users });
  }

  function returnsThis(fn) {
    let found = false;
    (function visit(node) {
      if (found || (node !== fn && ts.isFunctionLike(node))) return; // a nested function's `return` is its own
      if (ts.isReturnStatement(node) && node.expression && node.expression.kind === ts.SyntaxKind.ThisKeyword) found = true;
      else ts.forEachChild(node, visit);
    })(fn);
    return found;
  }

  // The class's fields typed exactly `any`, each with the values its own
  // methods and constructor assign to it (`this` in a nested function is another object).
  function assignedFields(cls) {
    const fields = new Map();
    for (const member of cls.members) {
      if (ts.isPropertyDeclaration(member) && ts.isIdentifier(member.name) && member.type && member.type.kind === ts.SyntaxKind.AnyKeyword && !member.initializer) {
        fields.set(member.name.text, { field: member, values: [] });
      }
    }
    if (!fields.size) return [];
    (function visit(node) {
      if (node !== cls && ts.isClassLike(node)) return;
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isPropertyAccessExpression(node.left) && node.left.expression.kind === ts.SyntaxKind.ThisKeyword) {
        const entry = fields.get(node.left.name.text);
        const container = ts.findAncestor(node, (n) => ts.isFunctionLike(n) && !ts.isArrowFunction(n));
        if (entry && container && container.parent === cls) entry.values.push(node.right);
      }
      ts.forEachChild(node, visit);
    })(cls);
    return [...fields.values()].filter(({ values }) => values.length).map(({ field, values }) => [field, values]);
  }

  // The union of the assigned values' types, as it can be written at the
  // field; undefined where one of them has no such type.
  function assignedType(checker, field, values) {
    const types = new Set();
    for (const value of values) {
      const declaration = ts.isIdentifier(value) && checker.getSymbolAtLocation(value)?.valueDeclaration;
      let text;
      if (declaration && ts.isParameter(declaration) && declaration.type) {
        text = declaration.type.getText();
        if (/\bany\b|\bthis\b/.test(text) || !namesResolve(checker, text, field)) return undefined;
        if (declaration.questionToken && !declaration.initializer) types.add('undefined');
      } else {
        text = writableType(checker, value, field, { objects: true });
        if (!text || /\bnever\b|^\{\}$/.test(text)) return undefined;
      }
      for (const part of unionMembers(text)) types.add(part);
    }
    const parts = [...types];
    const type = parts.length === 1 ? parts[0] : parts.map((part) => (/=>/.test(part) ? `(${part})` : part)).join(' | ');
    return readableType(type) ? type : undefined;
  }

  // The name a function is called by: its own, or the variable or property it is assigned to.
  function functionName(fn) {
    if (fn.name && ts.isIdentifier(fn.name)) return fn.name;
    const parent = fn.parent;
    if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && ts.isIdentifier(parent.name)) return parent.name;
    if (ts.isBinaryExpression(parent) && parent.right === fn && ts.isPropertyAccessExpression(parent.left)) return parent.left.name;
    return undefined;
  }

  // Where the declarations named by `names` (name nodes) are used:
  // an identifier of the same text whose symbol is theirs (cheap, where
  // finding each one's references costs seconds on a large program). For
  // each use, its statement, and its function (not an arrow function, which
  // is usually a callback of the statement around it) or else its top-level
  // statement. Returns name node -> uses.
  function usesOf(project, targets, names) {
    const checker = project.program().getTypeChecker();
    const symbolAt = (node) => {
      const symbol = checker.getSymbolAtLocation(node);
      return symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol; // an import is what it imports
    };
    const texts = new Set(names.map((name) => name.text));
    const bySymbol = new Map();
    const byText = new Map(); // names without a symbol (`req.get = function` on an untyped `req`): any use of the text
    for (const name of names) {
      const symbol = symbolAt(name);
      if (symbol) bySymbol.set(symbol, name);
      else if (byText.has(name.text)) byText.get(name.text).push(name);
      else byText.set(name.text, [name]);
    }
    const uses = new Map();
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      const span = (node) => node && [node.getStart(sf), node.getEnd()];
      (function visit(node) {
        const named = ts.isIdentifier(node) && texts.has(node.text) ? [bySymbol.get(symbolAt(node)), ...(byText.get(node.text) || [])] : [];
        const scope = named.length && ts.findAncestor(node, (n) => (ts.isFunctionLike(n) && !ts.isArrowFunction(n)) || (n.parent && ts.isSourceFile(n.parent)));
        for (const name of scope ? named : []) {
          if (!name || name === node) continue;
          if (!uses.has(name)) uses.set(name, []);
          uses.get(name).push({ file, statement: span(ts.findAncestor(node, ts.isStatement)) || span(scope), scope: span(scope) });
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    return uses;
  }

  // The name of the outermost property of a parameter's object type that
  // `node` is in the type of (`key` in `{ key: any }`); undefined outside one.
  function propertyOf(node, type) {
    let property;
    for (let n = node; n && n !== type; n = n.parent) if (ts.isPropertySignature(n)) property = n;
    return property && ts.isIdentifier(property.name) ? property.name.text : undefined;
  }

  function anyKeywordsOutsideFunctionTypes(type) {
    const found = [];
    const arrayReference = (node) => ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && /^(Readonly)?Array$/.test(node.typeName.text); // JSDoc's {Array}
    const structural = (node) =>
      ts.isTypeLiteralNode(node) || ts.isPropertySignature(node) || ts.isUnionTypeNode(node) || ts.isArrayTypeNode(node) || ts.isParenthesizedTypeNode(node) || arrayReference(node);
    (function visit(node) {
      if (node.kind === ts.SyntaxKind.AnyKeyword) found.push(node);
      else if (structural(node)) ts.forEachChild(node, visit);
    })(type);
    return found;
  }

  const EVOLVING_ARRAY = [7005, 7034]; // Variable 'x' implicitly has an 'any[]' type (in some locations)

  // `const re = []` filled in by a function (`re[i] = new RegExp(...)`) and
  // read elsewhere (another module importing it) is an array TypeScript
  // types as it is filled, only in its own scope: every read outside is
  // TS7005, and its declaration or import TS7034. Where every value the file
  // puts in it has a type that can be written there, the declaration is
  // annotated with the array of those types (the edits returned).
  function evolvingArrayEdits(project, targets) {
    const checker = project.program().getTypeChecker();
    const declarations = new Set();
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (!EVOLVING_ARRAY.includes(diag.code)) continue;
        let symbol = checker.getSymbolAtLocation(ts.getTokenAtPosition(sf, diag.start));
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const declaration = symbol?.valueDeclaration;
        if (declaration && ts.isVariableDeclaration(declaration) && !declaration.type && ts.isIdentifier(declaration.name) &&
            declaration.initializer && ts.isArrayLiteralExpression(declaration.initializer) && !declaration.initializer.elements.length &&
            targets.includes(declaration.getSourceFile().fileName)) {
          declarations.add(declaration);
        }
      }
    }
    const edits = [];
    for (const declaration of declarations) {
      const types = elementTypes(checker, declaration);
      if (!types) continue;
      const type = arrayOf(types);
      edits.push(declarationEdit(declaration, declaration.name.getEnd(), 0, `: ${type}`));
    }
    return edits;
  }

  // The type text of an array of the given types' values: `T[]`, `(A | B)[]`.
  const arrayOf = (types) => (types.length === 1 ? `${types[0]}[]` : `(${types.join(' | ')})[]`);

  // The types of the values put in the array `declaration` names in its
  // file (`x[i] = v`, `x.push(v)`), each as it can be written at the
  // declaration; undefined if one cannot be, or there are none.
  function elementTypes(checker, declaration) {
    const sf = declaration.getSourceFile();
    const symbol = checker.getSymbolAtLocation(declaration.name);
    const values = [];
    const isArray = (node) => ts.isIdentifier(node) && checker.getSymbolAtLocation(node) === symbol;
    (function visit(node) {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isElementAccessExpression(node.left) && isArray(node.left.expression)) {
        values.push(node.right);
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'push' && isArray(node.expression.expression)) {
        values.push(...node.arguments);
      }
      ts.forEachChild(node, visit);
    })(sf);
    const types = new Set(values.map((value) => (ts.isSpreadElement(value) ? undefined : writableType(checker, value, declaration))));
    if (types.has(undefined)) return undefined;
    return types.size ? [...types] : undefined;
  }

  // A `Record<string, any>` written for an object filled in by key
  // (recordsForUntypedObjects) says what its keys are, not its values.
  // Where every value the program puts in it (`x[key] = v`, `x.name = v`;
  // for a class member, `this.m[key] = v`) has a type that can be written
  // there, `any` becomes those types: `Record<string, string[]>`.
  function recordValueEdits(project, targets) {
    const checker = project.program().getTypeChecker();
    const records = new Map(); // symbol of the record -> { declaration named, owner of the type (it, or a reduce call), its `any` }
    for (const file of targets) {
      (function visit(node) {
        // not `Error & Record<string, any>`: a `new Error()` has no index signature for a record of other values
        if (ts.isTypeReferenceNode(node) && node.getText() === RECORD && !ts.isIntersectionTypeNode(node.parent)) {
          const owner = node.parent;
          const declaration = ts.isCallExpression(owner) ? owner.arguments[0]?.parameters?.[0] : owner;
          const named = declaration && (ts.isVariableDeclaration(declaration) || ts.isParameter(declaration) || ts.isPropertyDeclaration(declaration)) && ts.isIdentifier(declaration.name);
          const symbol = named && checker.getSymbolAtLocation(declaration.name);
          if (symbol) records.set(symbol, { declaration, owner, any: node.typeArguments[1] });
        }
        ts.forEachChild(node, visit);
      })(project.program().getSourceFile(file));
    }
    if (!records.size) return [];
    const values = new Map(); // symbol -> the values put in it
    const recordOf = (node) => {
      const symbol = checker.getSymbolAtLocation(ts.isPropertyAccessExpression(node) && node.expression.kind === ts.SyntaxKind.ThisKeyword ? node.name : node);
      return symbol && records.has(symbol) ? symbol : undefined;
    };
    for (const file of targets) {
      (function visit(node) {
        if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken && (ts.isElementAccessExpression(node.left) || ts.isPropertyAccessExpression(node.left))) {
          const symbol = recordOf(node.left.expression);
          if (symbol) values.set(symbol, [...(values.get(symbol) || []), node.right]);
        }
        ts.forEachChild(node, visit);
      })(project.program().getSourceFile(file));
    }
    const edits = [];
    for (const [symbol, { declaration, owner, any }] of records) {
      const found = values.get(symbol);
      if (!found) continue;
      const types = found.map((value) => writableType(checker, value, declaration, { objects: true }));
      if (types.includes(undefined)) continue;
      const type = [...new Set(types.flatMap(unionMembers))].join(' | ');
      const sf = declaration.getSourceFile();
      edits.push(ts.isParameter(owner) && !reduceIntoEmptyObject(owner)
        ? parameterEdit(owner, any.getStart(sf), any.getWidth(sf), type)
        : declarationEdit(owner, any.getStart(sf), any.getWidth(sf), type));
    }
    return edits;
  }

  // The members of a union type's text (`a | (b | c)[]` -> `a`, `(b | c)[]`).
  function unionMembers(text) {
    const members = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      if ('(<[{'.includes(text[i])) depth++;
      else if (')>]}'.includes(text[i]) && text[i - 1] !== '=') depth--; // not the `>` of `=>`
      else if (text[i] === '|' && !depth) {
        members.push(text.slice(start, i).trim());
        start = i + 1;
      }
    }
    return [...members, text.slice(start).trim()];
  }

  // A class member set to `[]` and filled in by its methods
  // (`this.options.push(option)`) has the type TypeScript gave it from one
  // use, or from `[]`. Where every value the program puts in it (push,
  // unshift, `x[i] = v`, an array literal assigned) has a type that can be
  // written at the member, the member is declared an array of those types:
  // `declare options: Option[]` (the edits returned).
  function memberArrayEdits(project, targets) {
    const checker = project.program().getTypeChecker();
    const values = new Map(); // member declaration -> the values put in it, or undefined if some are not known
    const member = (access) => {
      const declaration = checker.getSymbolAtLocation(access.name)?.valueDeclaration;
      return declaration && ts.isPropertyDeclaration(declaration) && ts.isIdentifier(declaration.name) && targets.includes(declaration.getSourceFile().fileName) &&
        !(declaration.initializer && !(ts.isArrayLiteralExpression(declaration.initializer) && !declaration.initializer.elements.length)) ? declaration : undefined;
    };
    const put = (declaration, found) => {
      if (values.has(declaration) && values.get(declaration) === undefined) return;
      values.set(declaration, found && [...(values.get(declaration) || []), ...found]);
    };
    for (const file of targets) {
      (function visit(node) {
        if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.name)) {
          const declaration = member(node);
          const parent = node.parent;
          if (declaration) {
            if (ts.isBinaryExpression(parent) && parent.left === node && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
              put(declaration, ts.isArrayLiteralExpression(parent.right) && !parent.right.elements.some(ts.isSpreadElement) ? parent.right.elements : undefined);
            } else if (ts.isPropertyAccessExpression(parent) && ['push', 'unshift'].includes(parent.name.text) && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) {
              put(declaration, parent.parent.arguments.some(ts.isSpreadElement) ? undefined : parent.parent.arguments);
            } else if (ts.isElementAccessExpression(parent) && ts.isBinaryExpression(parent.parent) && parent.parent.left === parent && parent.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
              put(declaration, [parent.parent.right]);
            }
          }
        }
        ts.forEachChild(node, visit);
      })(project.program().getSourceFile(file));
    }
    const edits = [];
    for (const [declaration, found] of values) {
      if (!found || !found.length) continue;
      const types = new Set(found.map((value) => writableType(checker, value, declaration)));
      if (types.has(undefined)) continue;
      const type = arrayOf([...types]);
      if (declaration.type && declaration.type.getText() === type) continue;
      edits.push(declaration.type
        ? declarationEdit(declaration, declaration.type.getStart(), declaration.type.getWidth(), type)
        : declarationEdit(declaration, untypedEnd(declaration), 0, `: ${type}`));
    }
    return edits;
  }

  const THIS_IMPLICITLY_ANY = 2683;

  // A function (not a method) that uses `this`, such as a mixin called with
  // `fn.call(target)` or a constructor function, has no type for it: every
  // line using `this` is TS2683. Where a function has two or more of those
  // lines, one `this: any` parameter (erased from the emitted code) types it
  // instead of a suppression on each line.
  function anyThisForFunctions(project, targets) {
    return targets.flatMap((file) => {
      const sf = project.program().getSourceFile(file);
      const lines = new Map(); // function -> lines with TS2683
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== THIS_IMPLICITLY_ANY) continue;
        const fn = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), (n) => ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n));
        if (fn) lines.set(fn, (lines.get(fn) || new Set()).add(sf.getLineAndCharacterOfPosition(diag.start).line));
      }
      return [...lines]
        .filter(([, used]) => used.size >= 2)
        .map(([fn]) => {
          const type = checksOwnInstance(fn) ? `${RECORD} | void` : 'any';
          return { file, span: { start: fn.parameters.pos, length: 0 }, newText: fn.parameters.length ? `this: ${type}, ` : `this: ${type}` };
        });
    });
  }

  // `if (!(this instanceof Layer)) return new Layer(...)` in function Layer,
  // which may be called with `new` or without: past the check, TypeScript
  // narrows `this: any` to Layer's instance type, which for a function is
  // `{}`, so every `this.x` is an error. `this: Record<string, any> | void`
  // says both ways it is called, and the check narrows it to the record.
  function checksOwnInstance(fn) {
    const name = fn.name && fn.name.text;
    return !!name && !!(function find(node) {
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InstanceOfKeyword && node.left.kind === ts.SyntaxKind.ThisKeyword &&
          ts.isIdentifier(node.right) && node.right.text === name) return true;
      return ts.forEachChild(node, find);
    })(fn.body);
  }

  // ------------------------------------------------------------ members the prototype is given after the class

  // `JoinClause.prototype.andOn = JoinClause.prototype.on` after the class:
  // fixMissingMember declared `andOn` from its uses (`declare andOn: (first:
  // any) => any`), a guess at what the prototype is given. Its type becomes
  // the given value's: `typeof JoinClause.prototype.on`, `typeof pushQuery`
  // for a function, `ReturnType<typeof buildTable>` for what a call makes.
  // Not where the value is `any` (that would hide one), nor for a function
  // written in place (its own parameters are typed by the declaration), nor
  // for a member given a value twice. Kept where the program has no new error.
  function prototypeValueTypes(project, targets) {
    const checker = project.program().getTypeChecker();
    const byOwner = new Map(); // owner -> its edits
    const names = new Map(); // owner -> the member's name
    for (const file of targets) {
      for (const statement of project.program().getSourceFile(file).statements) {
        if (!ts.isExpressionStatement(statement)) continue;
        const assigned = []; // `a.prototype.x = a.prototype.y = value`: both get value's type
        let value = statement.expression;
        for (; isAssignment(value); value = value.right) assigned.push(value.left);
        const type = valueTypeText(checker, value);
        if (!type) continue;
        for (const target of assigned) {
          const member = declaredPrototypeMember(checker, target, targets);
          if (member && member.type.getText() !== type && !value.getText().startsWith(target.getText())) {
            const edit = declarationEdit(member, member.type.getStart(), member.type.getWidth(), type);
            byOwner.set(edit.owner, (byOwner.get(edit.owner) || []).concat(edit));
            names.set(edit.owner, member.name);
          }
        }
      }
    }
    // a member the prototype is given twice keeps its declaration: which value it holds depends on the run
    const edits = [...byOwner.values()].filter((own) => own.length === 1).flat();
    // an error where a member is used (often in another file) is blamed on that member's edit. Not by
    // name: that blames a member for every same-named function and override too (knex: 1,530 by name, 1,514 by symbol)
    const uses = usesOf(project, targets, [...names.values()]);
    const users = new Map([...names].map(([owner, name]) => [owner, uses.get(name) || []]));
    keepWhereNoNewErrors(project, targets, edits, undefined, { sameResults: false, users });
  }

  const isAssignment = (node) => ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken;

  // The type, as text, of a value named by `f`, `a.b.c` or made by `f(...)`.
  function valueTypeText(checker, value) {
    const named = ts.isCallExpression(value) ? value.expression : value;
    if (!ts.isEntityNameExpression(named) || (ts.isCallExpression(value) && value.typeArguments)) return undefined;
    if (checker.getTypeAtLocation(value).flags & ts.TypeFlags.Any) return undefined;
    return ts.isCallExpression(value) ? `ReturnType<typeof ${named.getText()}>` : `typeof ${named.getText()}`;
  }

  // For `C.prototype.m` with C a class in the targets: its `declare m: T` member.
  function declaredPrototypeMember(checker, target, targets) {
    if (!ts.isPropertyAccessExpression(target) || !ts.isPropertyAccessExpression(target.expression) || target.expression.name.text !== 'prototype') return undefined;
    let symbol = checker.getSymbolAtLocation(target.expression.expression);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    const cls = symbol && (symbol.declarations || []).find(ts.isClassLike);
    if (!cls || !targets.includes(cls.getSourceFile().fileName)) return undefined;
    return cls.members.find((m) => ts.isPropertyDeclaration(m) && isDeclared(m) && m.type && ts.isIdentifier(m.name) && m.name.text === target.name.text);
  }

  // ------------------------------------------------------------ callbacks typed by where they are passed

  // A callback's parameter annotated while what it is passed to was still
  // untyped (`options.filter((option: { attributeName: () => any }) => ...)`)
  // keeps that guess after the receiver got its type (`options: Option[]`).
  // Where the place it is passed to gives the parameter a type without
  // `any`, the annotation goes and the parameter takes that type. Kept
  // where the program has no new error.
  function contextualCallbackParameters(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      (function visit(node) {
        if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && (ts.isCallExpression(node.parent) || ts.isNewExpression(node.parent)) &&
            (node.parent.arguments || []).includes(node)) {
          const signatures = checker.getContextualType(node)?.getNonNullableType().getCallSignatures() || [];
          node.parameters.forEach((param, i) => {
            if (signatures.length !== 1 || !param.type || !ts.isIdentifier(param.name) || param.dotDotDotToken || isThis(param)) return;
            if (!countKeyword(param.type, ts.SyntaxKind.AnyKeyword)) return;
            const given = signatures[0].parameters[i];
            if (!given) return;
            const type = checker.typeToString(checker.getTypeOfSymbolAtLocation(given, node), node, ts.TypeFormatFlags.NoTruncation);
            if (/\bany\b/.test(type)) return;
            edits.push(parameterEdit(param, untypedEnd(param), param.type.getEnd() - untypedEnd(param), ''));
          });
        }
        ts.forEachChild(node, visit);
      })(project.program().getSourceFile(file));
    }
    keepWhereNoNewErrors(project, targets, edits, undefined, { sameResults: false });
  }

  // ------------------------------------------------------------ type names JSDoc takes from elsewhere

  const CANNOT_FIND_NAME = [2304, 2552]; // Cannot find name 'X' (Did you mean 'Y'?)
  const VALUE_AS_TYPE = 2749; // 'X' refers to a value, but is being used as a type here
  const NAMESPACE_AS_TYPE = 2709; // Cannot use namespace 'X' as a type

  // The edit taking away `fn`'s written result type (`: Router`), colon and all.
  function resultTypeRemoval(fn) {
    const sf = fn.getSourceFile();
    const colon = sf.text.lastIndexOf(':', fn.type.getStart(sf));
    return declarationEdit(fn, colon, fn.type.getEnd() - colon, '');
  }

  // A variable holding an object (JSDoc's `@return {app}` for `var app = {}`),
  // whose type is `typeof app`. Not a function or class: JSDoc naming one of
  // those means its instances, which `typeof` is not.
  function isObjectValue(symbol) {
    const declaration = symbol && symbol.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.initializer) return false;
    const value = ts.skipOuterExpressions(declaration.initializer);
    return ts.isObjectLiteralExpression(value);
  }

  const NO_OVERLOAD_MATCHES = 2769;

  // JSDoc names types the module never imports: `{ServerResponse}` (Node's
  // http), `{Runner}` (a class of another file in the project), and
  // `{function}` for any function. Each such name in an annotation becomes a
  // type TypeScript finds: `Function`, or an import type of the one module
  // that declares a type of that name, `import('http').ServerResponse` or
  // `import('./runner')` (a module whose export is that class); the edits
  // returned.
  function jsDocNameEdits(project, targets) {
    const checker = project.program().getTypeChecker();
    let modules; // read once a name needs them
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (!CANNOT_FIND_NAME.includes(diag.code) && diag.code !== VALUE_AS_TYPE && diag.code !== NAMESPACE_AS_TYPE) continue;
        const name = ts.getTokenAtPosition(sf, diag.start);
        const reference = name.parent;
        if (!ts.isIdentifier(name) || !ts.isTypeReferenceNode(reference) || reference.typeName !== name) continue;
        const owner = ts.findAncestor(reference, (n) => ts.isFunctionLike(n) || ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n));
        if (!owner) continue;
        // a function's whole result type naming nothing usable: TypeScript infers the result instead
        const inferred = ts.isFunctionLike(owner) && owner.type === reference && resultTypeRemoval(owner);
        // a name that nothing declares (`{Mixed}`) or a function's instances (`{Layer}`): `any`, as TypeScript
        // reads it, instead of a suppression over the whole declaration's line; the later steps may narrow it
        const unknownName = declarationEdit(owner, name.getStart(sf), name.getWidth(sf), 'any');
        // tried with the other edits, and again after them (typesForUntyped): the first trial blames every
        // edit of a function for an error that one of them brings (`{function}` as `Function`, say)
        // and where an inferred result brings errors too, the name is read as TypeScript reads it: `any`
        const thenAny = (edit) => (edit === inferred ? { ...edit, fallback: unknownName } : edit);
        const retried = (edit) => ({ ...edit, fallback: thenAny(edit) });
        if (diag.code === VALUE_AS_TYPE) {
          if (isObjectValue(checker.resolveName(name.text, name, ts.SymbolFlags.Value, false))) edits.push(declarationEdit(owner, name.getStart(sf), 0, 'typeof '));
          else edits.push(retried(inferred || unknownName));
          continue;
        }
        if (diag.code === NAMESPACE_AS_TYPE) { // a function the code gives members (`Mocha.utils = ...`) is a namespace to TypeScript
          edits.push(retried(inferred || unknownName));
          continue;
        }
        let text = name.text === 'function' ? 'Function' : undefined;
        if (!text) {
          modules = modules || modulesByTypeName(project, targets, checker);
          const found = modules.get(name.text) || [];
          if (found.length === 1) text = importType(found[0], name.text, sf);
        }
        if (text) edits.push({ ...declarationEdit(owner, name.getStart(sf), name.getWidth(sf), text), fallback: thenAny(inferred || unknownName) });
        else edits.push(retried(inferred || unknownName));
      }
    }
    return edits;
  }

  // Type name -> the modules declaring an exported type of that name:
  // `{ module: 'http', named: true }` for an ambient module (packages'
  // declarations, Node's), `{ file, named }` for a target file (`named:
  // false` where the file's `export =` is that class).
  function modulesByTypeName(project, targets, checker) {
    const found = new Map();
    const add = (name, where) => found.set(name, [...(found.get(name) || []), where]);
    const isType = (symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return !!(target.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Enum));
    };
    for (const module of checker.getAmbientModules()) {
      const name = module.getName().replace(/^"|"$/g, '');
      if (name.startsWith('node:') || name.includes('/') || name.includes('*')) continue; // `node:http` is `http`; a subpath is its package's
      for (const symbol of checker.getExportsOfModule(module)) if (isType(symbol)) add(symbol.getName(), { module: name, named: true });
    }
    for (const file of targets) {
      const symbol = checker.getSymbolAtLocation(project.program().getSourceFile(file));
      if (!symbol) continue;
      const exportEquals = symbol.exports && symbol.exports.get('export=');
      if (exportEquals) {
        const target = exportEquals.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exportEquals) : exportEquals;
        if (target.flags & ts.SymbolFlags.Class) add(target.getName(), { file, named: false });
        continue;
      }
      for (const exported of checker.getExportsOfModule(symbol)) {
        if (!isType(exported)) continue;
        const declared = exported.getName() === 'default' && exported.declarations?.find((d) => ts.isClassDeclaration(d) && d.name); // `export default class X`
        add(declared ? declared.name.text : exported.getName(), { file, named: true, exportName: exported.getName() });
      }
    }
    return found;
  }

  // The import type of `name` from `where` (modulesByTypeName), written in
  // `sf`: a relative path has `.js` where the module's own imports do.
  function importType(where, name, sf) {
    let spec = where.module;
    if (where.file) {
      const withExtension = moduleSpecifiers(sf).some((s) => s.text.startsWith('.') && /\.[cm]?js$/.test(s.text));
      spec = path.relative(path.dirname(sf.fileName), where.file).replace(/\.([cm]?)tsx?$/, withExtension ? '.$1js' : '');
      if (!spec.startsWith('.')) spec = `./${spec}`;
    }
    return where.named ? `import('${spec}').${where.exportName || name}` : `import('${spec}')`;
  }

  const THIS_TYPE_OUTSIDE_CLASS = 2526;

  // Usage inference types a parameter from its callers' arguments, and an
  // argument `this` in a class's method is the type `this`: written into
  // another function or class (`constructor(client: this)`), it means
  // nothing there. Where the callers passing `this` are methods of classes,
  // `this` becomes those classes (by name, or an import type of the module
  // exporting one); the edits returned.
  function thisTypeEdits(project, targets) {
    const checker = project.program().getTypeChecker();
    const callers = new Map(); // `declaration start:argument index` -> the classes passing `this` there
    for (const file of targets) {
      (function visit(node) {
        if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && (node.arguments || []).some((arg) => arg.kind === ts.SyntaxKind.ThisKeyword)) {
          const declaration = checker.getResolvedSignature(node)?.declaration;
          const owner = ts.findAncestor(node, (n) => ts.isFunctionLike(n) && !ts.isArrowFunction(n));
          const cls = owner && ts.isClassLike(owner.parent) ? owner.parent : undefined;
          node.arguments.forEach((arg, i) => {
            if (arg.kind !== ts.SyntaxKind.ThisKeyword || !declaration || !declaration.getSourceFile) return;
            const key = `${declaration.getSourceFile().fileName}:${declaration.getStart()}:${i}`;
            callers.set(key, (callers.get(key) || new Set()).add(cls));
          });
        }
        ts.forEachChild(node, visit);
      })(project.program().getSourceFile(file));
    }
    let modules;
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== THIS_TYPE_OUTSIDE_CLASS) continue;
        const type = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), (n) => n.kind === ts.SyntaxKind.ThisType);
        const param = type && ts.findAncestor(type, ts.isParameter);
        if (!param || !ts.isFunctionLike(param.parent)) continue;
        const classes = [...(callers.get(`${file}:${param.parent.getStart(sf)}:${param.parent.parameters.indexOf(param)}`) || [])];
        const texts = classes.map((cls) => {
          const name = cls && cls.name && cls.name.text;
          if (!name) return undefined;
          if (checker.resolveName(name, param, ts.SymbolFlags.Type, false) === checker.getSymbolAtLocation(cls.name)) return name;
          modules = modules || modulesByTypeName(project, targets, checker);
          const found = (modules.get(name) || []).filter((where) => where.file === cls.getSourceFile().fileName);
          return found.length === 1 ? importType(found[0], name, sf) : undefined;
        });
        if (!texts.length || texts.includes(undefined)) continue;
        const union = ts.isUnionTypeNode(type.parent) && type.parent.types.filter((t) => t.kind === ts.SyntaxKind.ThisType).length > 1 ? type.parent : undefined;
        if (union && union.types.find((t) => t.kind === ts.SyntaxKind.ThisType) !== type) continue; // `this|this`: written once, at the first
        const members = union ? [...new Set(union.types.flatMap((t) => (t.kind === ts.SyntaxKind.ThisType ? texts : [t.getText(sf)])))] : texts;
        const text = members.length === 1 ? members[0] : union ? members.join(' | ') : `(${members.join(' | ')})`;
        const replaced = union || type;
        edits.push(parameterEdit(param, replaced.getStart(sf), replaced.getWidth(sf), text));
      }
    }
    return edits;
  }

  // A `this` type outside a class that no class's type can replace (no
  // class passes `this` there, or its type makes new errors) is `any` to
  // TypeScript: its parameter is written `any`, instead of a suppression on a
  // type that means nothing there (`request: this|this`).
  function anyForThisTypesLeft(project, targets) {
    const edits = new Map(); // parameter -> its edit
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        const param = diag.code === THIS_TYPE_OUTSIDE_CLASS && ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), ts.isParameter);
        if (param && param.type && ts.isFunctionLike(param.parent)) edits.set(param, parameterEdit(param, param.type.getStart(sf), param.type.getWidth(sf), 'any'));
      }
    }
    keepWhereNoNewErrors(project, targets, [...edits.values()], undefined, { sameResults: false });
  }

  // Usage inference adds a call signature to a type for each call it sees,
  // so a callback called twenty times the same way is typed
  // `{ (st: any): void; (st: any): void; ... }`. A member of a type literal
  // written exactly as one before it adds nothing (an overload identical to
  // another): the repeats go. Syntax only; the changes for `sf`.
  function repeatedMembers(sf) {
    const changes = [];
    (function visit(node) {
      if (ts.isTypeLiteralNode(node)) {
        const seen = new Set();
        for (const member of node.members) {
          const text = member.getText(sf).replace(/[;,]$/, '').replace(/\s+/g, ' ');
          if (seen.has(text)) changes.push({ span: { start: member.pos, length: member.end - member.pos }, newText: '' });
          else {
            seen.add(text);
            visit(member);
          }
        }
        return;
      }
      ts.forEachChild(node, visit);
    })(sf);
    return changes;
  }

  const IMPORT_CONFLICTS_WITH_LOCAL = 2440;

  // A JSDoc typedef of an import (`type Option = import('./option.js').Option`)
  // in a module that now imports `Option` from there names the same type
  // twice, which TypeScript rejects: the typedef goes.
  function typedefsOfImports(project, targets) {
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== IMPORT_CONFLICTS_WITH_LOCAL) continue;
        const name = ts.getTokenAtPosition(sf, diag.start);
        const declaration = ts.findAncestor(name, ts.isImportDeclaration);
        if (!ts.isIdentifier(name) || !declaration || !ts.isStringLiteral(declaration.moduleSpecifier)) continue;
        const alias = sf.statements.find((statement) =>
          ts.isTypeAliasDeclaration(statement) && statement.name.text === name.text && ts.isImportTypeNode(statement.type) &&
          statement.type.qualifier && ts.isIdentifier(statement.type.qualifier) && statement.type.qualifier.text === name.text &&
          ts.isLiteralTypeNode(statement.type.argument) && statement.type.argument.literal.text === declaration.moduleSpecifier.text);
        if (alias) edits.push({ file, span: { start: alias.getStart(sf), length: alias.getWidth(sf) }, newText: '' });
      }
    }
    applyPerFile(project, edits);
  }

  // ------------------------------------------------------------ any where a type costs more than it says

  // A declaration whose type the program keeps contradicting (a parameter
  // inferred from too few callers, a JSDoc type the code does not keep to, a
  // member typed from one use, `{}` filled in by key) leaves an error on
  // every line that uses it, each to be suppressed. Where its errors take
  // more suppressions than the `any`s its type has plus one, it is typed
  // `any` instead: one `any` in place of comments that would also hide
  // everything else on those lines. An edit is kept where the lines it was
  // blamed for lose their errors and no new error is traced to it; the pass
  // is kept only where the program then has fewer lines with errors plus
  // `any`s than before (new errors nothing explains count against it).
  // Returns whether it was kept.
  function anyForContradictedDeclarations(project, targets) {
    const checker = project.program().getTypeChecker();
    const writable = new Set(targets);
    const lines = new Map(); // declaration -> the lines (file:line) of its errors
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of diagnosticsOf(project, file)) {
        if (diag.category !== ts.DiagnosticCategory.Error || diag.start === undefined || diag.code === UNUSED_DIRECTIVE) continue;
        const line = `${file}:${sf.getLineAndCharacterOfPosition(diag.start).line}`;
        for (const declaration of contradictedAt(checker, sf, diag)) {
          if (writable.has(declaration.getSourceFile().fileName)) lines.set(declaration, (lines.get(declaration) || new Set()).add(line));
        }
      }
    }
    const edits = [];
    const blamed = new Map(); // edit -> [its lines, the anys it replaces]
    for (const [declaration, at] of lines) {
      const anys = declaration.type ? countKeyword(declaration.type, ts.SyntaxKind.AnyKeyword) : 0;
      if (at.size + anys - 1 < 1) continue;
      const edit = anyEdit(declaration);
      edits.push(edit);
      blamed.set(edit, [at, anys]);
    }
    if (!edits.length) return false;
    const originals = new Map(targets.map((file) => [file, project.readFile(file)]));
    const before = errorsOf(project, targets, new Map());
    const linesBefore = errorLines(project, targets, before).size;
    const kept = keepWhereNoNewErrors(project, targets, edits, before, { sameResults: false, rounds: 2, unsettled: 'keep' });
    let after = errorLines(project, targets);
    const paying = kept.filter((edit) => {
      const [at, anys] = blamed.get(edit);
      return [...at].filter((line) => !after.has(line)).length + anys - 1 >= 1;
    });
    if (paying.length < kept.length) {
      writeEdits(project, originals, paying);
      after = errorLines(project, targets);
    }
    // the edits' own anys, and errors that trials could not trace back to them, are weighed too
    const anysAdded = paying.reduce((n, edit) => n + 1 - blamed.get(edit)[1], 0);
    if (after.size + anysAdded >= linesBefore) {
      writeEdits(project, originals, []);
      return false;
    }
    return true;
  }

  // ------------------------------------------------------------ members a subclass defines as another kind

  const NOT_ASSIGNABLE_TO_BASE = 2416; // Property 'x' in type 'B' is not assignable to the same property in base type 'A'
  // A base class's property that a subclass defines as an accessor (TS2611), or the other way round (TS2610)
  const ACCESSOR_CONFLICTS = [2610, 2611];
  const METHOD_OVER_FIELD = 2425; // Class 'A' defines instance member property 'x', but extended class 'B' defines it as instance member function

  // The declarations of the member of `member`'s base classes with its name.
  function baseMembers(checker, member) {
    const cls = member.parent;
    const symbol = cls && ts.isClassLike(cls) && cls.name && checker.getSymbolAtLocation(cls.name);
    if (!symbol || !member.name || !(ts.isIdentifier(member.name) || ts.isStringLiteral(member.name))) return [];
    return checker.getBaseTypes(checker.getDeclaredTypeOfSymbol(symbol))
      .flatMap((base) => checker.getPropertyOfType(base, member.name.text)?.declarations || []);
  }

  // Usage inference declares a class's fields (`declare url: string;`) from
  // what its methods read, and a subclass may define the same name as an
  // accessor (`get url() {...}`): an error on every such definition, which
  // types cannot fix. The same member declared in an interface merged with
  // the class (`interface Body { url: string }`) is one TypeScript lets a
  // subclass define as an accessor; it emits no code, as `declare` fields
  // do not. Typed `any` where an accessor does not fit its type either
  // (TS2416). A field of a function type that a subclass defines as a
  // method (`declare _driver: () => any`, which the base class calls and
  // each subclass implements, TS2425) is one: it becomes a method signature
  // there, `_driver(): any;`. Kept where error lines plus anys go down. (A
  // field of another type that a subclass defines as a method stays:
  // TypeScript allows that for no field.)
  function mergedInterfaceForConflictingMembers(project, targets) {
    const checker = project.program().getTypeChecker();
    const moved = new Map(); // base field declaration -> does some definition not fit its type
    const methods = new Set(); // the fields among them that subclasses define as methods
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      const diags = diagnosticsOf(project, file);
      for (const diag of diags) {
        if (!ACCESSOR_CONFLICTS.includes(diag.code) && diag.code !== METHOD_OVER_FIELD) continue;
        const member = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), (n) => ts.isClassElement(n));
        const misfit = diags.some((d) => d.code === NOT_ASSIGNABLE_TO_BASE && d.start === diag.start);
        for (const base of member ? baseMembers(checker, member) : []) {
          const cls = base.parent;
          const declared = ts.isPropertyDeclaration(base) && !base.initializer && (ts.getCombinedModifierFlags(base) & ts.ModifierFlags.Ambient) &&
            ts.isIdentifier(base.name) && ts.isClassDeclaration(cls) && cls.name && targets.includes(base.getSourceFile().fileName);
          if (!declared) continue;
          if (diag.code === METHOD_OVER_FIELD) {
            if (!base.type || !ts.isFunctionTypeNode(withoutParentheses(base.type))) continue;
            methods.add(base);
          }
          moved.set(base, moved.get(base) || misfit);
        }
      }
    }
    const signature = (field, sf) => {
      const type = withoutParentheses(field.type);
      const typeParameters = type.typeParameters ? `<${type.typeParameters.map((p) => p.getText(sf)).join(', ')}>` : '';
      return `  ${field.name.text}${field.questionToken ? '?' : ''}${typeParameters}(${type.parameters.map((p) => p.getText(sf)).join(', ')}): ${type.type.getText(sf)};`;
    };
    const byClass = new Map();
    for (const [field, misfit] of moved) byClass.set(field.parent, [...(byClass.get(field.parent) || []), [field, misfit]]);
    const edits = [];
    for (const [cls, fields] of byClass) {
      const sf = cls.getSourceFile();
      const members = [];
      for (const [field, misfit] of fields) {
        const start = lineStartOf(sf, field);
        const whole = sf.text.slice(start, field.getEnd()).trim() === field.getText(sf); // the field alone on its lines
        edits.push({ file: sf.fileName, span: whole ? { start, length: sf.text.indexOf('\n', field.getEnd()) + 1 - start } : { start: field.getStart(sf), length: field.getWidth(sf) }, newText: '' });
        members.push(methods.has(field) ? signature(field, sf) : `  ${field.name.text}${field.questionToken ? '?' : ''}: ${misfit || !field.type ? 'any' : field.type.getText(sf)};`);
      }
      // an interface cannot merge with `export default class X`: `class X` is exported as `export default X;` after both
      const defaultKeyword = cls.modifiers?.find((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      const exportKeyword = cls.modifiers?.find((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (defaultKeyword) edits.push({ file: sf.fileName, span: { start: exportKeyword.getStart(sf), length: defaultKeyword.getEnd() + 1 - exportKeyword.getStart(sf) }, newText: '' });
      const exported = defaultKeyword ? `\nexport default ${cls.name.text};` : '';
      edits.push({ file: sf.fileName, span: { start: cls.getEnd(), length: 0 }, newText: `\ninterface ${cls.name.text} {\n${members.join('\n')}\n}${exported}` });
    }
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  // ------------------------------------------------------------ methods that get a value or set it

  // `_bool(val) { if (arguments.length === 1) { this._flag = val; return this; } return this._flag; }`
  // sets a value when given one (returning `this`, to chain calls) and
  // returns it when not. Its inferred result, `string | this`, fits
  // neither use: each chained `q._bool('or').where(...)` is an error. Two
  // overload signatures, which emit no code, say which call returns what:
  // `_bool(): string;` and `_bool(val?: string): this;`. The same for a
  // result JSDoc wrote as the class or its value (`@return {(string|Command)}`).
  // Kept where error lines plus anys go down.
  function overloadsForGetterSetters(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      (function visit(node) {
        if (ts.isMethodDeclaration(node) && node.body && !node.modifiers && !node.typeParameters && ts.isIdentifier(node.name) && node.parameters.length &&
            checker.getSymbolAtLocation(node.name)?.declarations?.length === 1 && node.parameters.every((p) => !p.initializer || p.type) && getsOrSets(node)) {
          const signature = !node.type && checker.getSignatureFromDeclaration(node);
          const result = node.type ? withoutParentheses(node.type).getText(sf) : signature && checker.typeToString(checker.getReturnTypeOfSignature(signature), node, ts.TypeFormatFlags.NoTruncation);
          const self = node.parent.name && node.parent.name.text; // JSDoc's `@return {(string|Command)}` in class Command
          const values = result ? unionMembers(result).filter((member) => member !== 'this' && member !== self) : [];
          const value = values.join(' | ');
          const writable = values.length && values.length < unionMembers(result).length && !/import\(|\bthis\b/.test(value) && namesResolve(checker, value, node);
          if (writable) {
            const indent = indentOf(sf, node);
            const name = node.name.text;
            const parameters = node.parameters.map((p) => `${p.dotDotDotToken ? '...' : ''}${p.name.getText(sf)}${p.questionToken || p.initializer ? '?' : ''}${p.type ? `: ${p.type.getText(sf)}` : ''}`).join(', ');
            edits.push({ file, span: { start: node.getStart(sf), length: 0 }, newText: `${name}(): ${value};\n${indent}${name}(${parameters}): this;\n${indent}` });
          }
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  const withoutParentheses = (type) => (ts.isParenthesizedTypeNode(type) ? withoutParentheses(type.type) : type);

  // Whether a method returns `this` on some paths and a value on others, as
  // an `if` on whether it was given an argument (`arguments.length`, `x === undefined`) decides.
  function getsOrSets(method) {
    const parameters = new Set(method.parameters.map((p) => ts.isIdentifier(p.name) && p.name.text));
    const isParameter = (node) => ts.isIdentifier(node) && parameters.has(node.text);
    const isUndefined = (node) => node.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(node) && node.text === 'undefined') || ts.isVoidExpression(node);
    let returnsThis = false;
    let returnsValue = false;
    let asks = false;
    const asksWhetherGiven = (node) => {
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'arguments' && node.name.text === 'length') return true;
      if (ts.isBinaryExpression(node) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(node.operatorToken.kind) &&
          ((isParameter(node.left) && isUndefined(node.right)) || (isParameter(node.right) && isUndefined(node.left)))) return true;
      return !!ts.forEachChild(node, asksWhetherGiven);
    };
    (function visit(node) {
      if (ts.isFunctionLike(node)) return; // the returns of functions inside are theirs
      if (ts.isReturnStatement(node)) {
        if (node.expression && node.expression.kind === ts.SyntaxKind.ThisKeyword) returnsThis = true;
        else returnsValue = true;
      }
      if (ts.isIfStatement(node) && asksWhetherGiven(node.expression)) asks = true;
      ts.forEachChild(node, visit);
    })(method.body);
    return returnsThis && returnsValue && asks;
  }

  // ------------------------------------------------------------ overrides declaring more parameters

  const TOO_FEW_FOR_TARGET = 2849; // Target signature provides too few arguments. Expected 2 or more, but got 1.

  // A subclass's method may declare more parameters than the base class's
  // (`dropIndex(columns, indexName)` over `dropIndex(value)`): a caller
  // holding the base type passes fewer, and JavaScript gives the rest
  // `undefined`. TypeScript rejects the override (TS2416); the extra
  // parameters made optional say what they are given. Kept where error
  // lines plus anys go down.
  function optionalForOverrideParameters(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of diagnosticsOf(project, file)) {
        if (diag.code !== NOT_ASSIGNABLE_TO_BASE || !chainHas(diag.messageText, TOO_FEW_FOR_TARGET)) continue;
        const method = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), ts.isMethodDeclaration);
        const base = method && baseMembers(checker, method).find((d) => ts.isMethodDeclaration(d) || ts.isPropertyDeclaration(d) || ts.isPropertySignature(d) || ts.isMethodSignature(d));
        const signatures = base ? checker.getTypeAtLocation(base).getCallSignatures() : [];
        if (!method || !method.body || !signatures.length) continue;
        const given = Math.max(...signatures.map((signature) => signature.getParameters().length));
        for (const param of method.parameters.slice(given)) {
          if (param.questionToken || param.initializer || param.dotDotDotToken || !ts.isIdentifier(param.name)) continue;
          edits.push({ file, span: { start: param.name.getEnd(), length: 0 }, newText: '?' });
        }
      }
    }
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  // Whether a diagnostic's message, or one it elaborates with, has the code.
  function chainHas(message, code) {
    if (typeof message === 'string') return false;
    return message.code === code || (message.next || []).some((next) => chainHas(next, code));
  }

  // ------------------------------------------------------------ objects whose methods use what others set

  const NOT_ASSIGNABLE = 2322;

  // A member declared from what the constructor first gives it holds only
  // that: node-fetch's `this[INTERNALS] = { ..., error: null }` declares
  // `error: null`, and a later `this[INTERNALS].error = error` is an error
  // (TS2322), as is `this[INTERNALS].referrerPolicy = ...` where the
  // constructor's object had no `referrerPolicy` (TS2339). A declared type
  // `null` becomes `T | null` for the T the program assigns (`undefined`,
  // `T | undefined`); a property missing from a declared object type is
  // added as `p?: T`.
  // Types only: no code changes. Each kept where error lines plus anys go down.
  function assignedTypesForDeclaredMembers(project, targets) {
    const checker = project.program().getTypeChecker();
    const assigned = new Map(); // type node to widen, or type literal to add to -> { name, types }
    const add = (key, node, name, type) => {
      const entry = assigned.get(key) || { node, name, types: new Set() };
      entry.types.add(type);
      assigned.set(key, entry);
    };
    const inDeclared = (node) => {
      const member = ts.findAncestor(node, ts.isPropertyDeclaration);
      return member && isDeclared(member) && member.type && targets.includes(member.getSourceFile().fileName);
    };
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== NOT_ASSIGNABLE && diag.code !== NO_SUCH_PROPERTY) continue;
        const access = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), ts.isPropertyAccessExpression);
        const assignment = access && access.parent;
        if (!assignment || !isAssignment(assignment) || assignment.left !== access || !ts.isIdentifier(access.name)) continue;
        if (diag.code === NOT_ASSIGNABLE) {
          const declaration = checker.getSymbolAtLocation(access.name)?.valueDeclaration;
          const type = declaration && (ts.isPropertySignature(declaration) || ts.isPropertyDeclaration(declaration)) && declaration.type;
          const empty = type && (type.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isLiteralTypeNode(type) && type.literal.kind === ts.SyntaxKind.NullKeyword));
          const text = empty && inDeclared(type) && writableType(checker, assignment.right, type);
          if (text) add(type, type, access.name.text, text);
        } else {
          const literal = checker.getTypeAtLocation(access.expression).symbol?.declarations?.[0];
          const text = literal && ts.isTypeLiteralNode(literal) && inDeclared(literal) && writableType(checker, assignment.right, literal);
          if (text && !literal.members.some((m) => m.name && m.name.getText() === access.name.text)) add(`${literal.pos}:${access.name.text}`, literal, access.name.text, text);
        }
      }
    }
    const edits = [];
    for (const { node, name, types } of assigned.values()) {
      const sf = node.getSourceFile();
      const union = [...types].join(' | ');
      if (ts.isTypeLiteralNode(node)) {
        const close = node.getEnd() - 1; // its `}`
        if (sf.text[close] === '}') edits.push({ file: sf.fileName, span: { start: close, length: 0 }, newText: `${name}?: ${union}; ` });
      } else {
        edits.push({ file: sf.fileName, span: { start: node.getStart(sf), length: node.getWidth(sf) }, newText: `${union} | ${node.getText(sf)}` });
      }
    }
    // one by one, last first (the offsets of those before stay right): a member made optional may be an error where it is read
    let lines; // error lines as the last trial left the program
    for (const edit of edits.sort((a, b) => b.span.start - a.span.start)) lines = keepWhereFewerErrorsAndAnys(project, targets, [edit], lines);
  }

  // A JSDoc `@type` on an assignment to a member (`/** @type {string[]} */
  // this.args = [];` in a constructor) says the member's type; TypeScript
  // reads it only in JavaScript, and in the migrated class the member is
  // declared as the codefix inferred it (`declare args: any`). A declared
  // type with an `any` or `unknown` becomes the JSDoc's, in TypeScript's
  // syntax (`Array.<T>` as `Array<T>`, `*` as `any`), where every name in it
  // resolves there. Kept where error lines plus anys go down.
  function jsDocTypesForDeclaredMembers(project, targets) {
    // those with an `any` first; then an `unknown` made precise and an untyped
    // one typed, each kept where the count stays the same
    for (const [written, orEqual] of [[/\bany\b/, false], [/\bunknown\b/, true]]) {
      const checker = project.program().getTypeChecker();
      const printer = ts.createPrinter({ removeComments: true });
      const edits = new Map(); // declared type node -> edit
      for (const file of targets) {
        const sf = project.program().getSourceFile(file);
        (function visit(node) {
          const left = ts.isExpressionStatement(node) && isAssignment(node.expression) && node.expression.left;
          const tag = left && ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword && ts.getJSDocTags(node).find(ts.isJSDocTypeTag);
          const member = tag && tag.typeExpression && checker.getSymbolAtLocation(left.name)?.valueDeclaration;
          const declared = member && ts.isPropertyDeclaration(member) && isDeclared(member) && !member.initializer && member;
          // typed with what `written` finds, or untyped (`declare x;`: implicitly `any`, which the count does not see)
          const type = declared && (declared.type ? written.test(declared.type.getText()) && declared.type : orEqual && declared.name);
          if (type && !edits.has(declared) && targets.includes(declared.getSourceFile().fileName)) {
            const text = typeScriptOfJsDoc(printer, tag.typeExpression.type, sf);
            if (text && text !== type.getText() && namesResolve(checker, text, declared)) {
              const where = declared.getSourceFile();
              const edit = declared.type
                ? { span: { start: type.getStart(where), length: type.getWidth(where) }, newText: text }
                : { span: { start: (declared.questionToken || declared.name).getEnd(), length: 0 }, newText: `: ${text}` };
              edits.set(declared, { file: where.fileName, ...edit });
            }
          }
          ts.forEachChild(node, visit);
        })(sf);
      }
      keepAtOnceElseEach(project, targets, [...edits.values()], { orEqual });
    }
  }

  // A JSDoc type as TypeScript writes it; undefined for JSDoc's own forms
  // (`?T`, `function(T)`, `T=`) that TypeScript has no single spelling of.
  function typeScriptOfJsDoc(printer, type, sf) {
    let jsDocOnly = false;
    const anys = (context) => (root) =>
      ts.visitNode(root, function visit(node) {
        if (node.kind === ts.SyntaxKind.JSDocAllType || node.kind === ts.SyntaxKind.JSDocUnknownType) return ts.factory.createKeywordTypeNode(ts.SyntaxKind.AnyKeyword);
        if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) jsDocOnly = true;
        return ts.visitEachChild(node, visit, context);
      });
    const result = ts.transform(type, [anys]);
    const text = printer.printNode(ts.EmitHint.Unspecified, result.transformed[0], sf);
    result.dispose();
    return jsDocOnly ? undefined : text;
  }

  // Applies type edits where error lines plus anys go down: all at once
  // where that adds no error line (one edit's gain must not hide another's
  // new errors), or else each alone, kept where the count goes down. An edit
  // may be a group of edits (an array), kept or put back together; groups
  // must not interleave in a file.
  function keepAtOnceElseEach(project, targets, edits, options = {}) {
    const last = (group) => Math.max(...group.map((edit) => edit.span.start));
    // last first: the edits kept are all after those still tried, so their offsets stay right
    const groups = edits.map((edit) => [edit].flat()).sort((a, b) => last(b) - last(a));
    if (!groups.length) return;
    const lines = errorLines(project, targets);
    if (groups.length > 1 && keepWhereFewerErrorsAndAnys(project, targets, groups.flat(), lines, { ...options, noNewLines: true }) !== lines) return;
    groups.reduce((kept, group) => keepWhereFewerErrorsAndAnys(project, targets, group, kept, options), lines);
  }

  // Inferred types print a generic's defaulted arguments as `any` where
  // they came from a value typed loosely (`Uint8Array<any>` for a buffer):
  // every argument `any`, and every type parameter with a default, the name
  // alone means its defaults (`Uint8Array`, of `ArrayBufferLike`). Kept where
  // error lines plus anys go down.
  function defaultsForAnyTypeArguments(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      (function visit(node) {
        if (ts.isTypeReferenceNode(node) && node.typeArguments?.every((arg) => arg.kind === ts.SyntaxKind.AnyKeyword)) {
          const declarations = checker.getSymbolAtLocation(node.typeName)?.declarations || [];
          const parameters = declarations.map((d) => d.typeParameters).find((p) => p && p.length);
          if (parameters && parameters.length === node.typeArguments.length && parameters.every((p) => p.default)) {
            edits.push({ file, span: { start: node.getStart(sf), length: node.getWidth(sf) }, newText: node.typeName.getText(sf) });
          }
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    keepAtOnceElseEach(project, targets, edits);
  }

  // `const error: Error & Record<string, any> = new Error(...)` and `const
  // sql: Record<string, any> = {}` (written by recordsForUntypedObjects for
  // `error.code = 'E_X'`, `sql.text = ...`): where the variable's extra
  // properties are all ones the code assigns through it, the record becomes
  // those, optional, each of the types assigned to it (`Error & { code?:
  // string }`, `{ text?: string }`); one only read, or a computed key
  // (`sql[key]`), keeps the record, and so do two or more assigned `any`
  // values (the record's one `any` would become as many). Kept where error
  // lines plus anys go down.
  function propertiesForRecords(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      (function visit(node) {
        const type = ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && node.type;
        const record = !type ? undefined
          : ts.isIntersectionTypeNode(type) && ts.isNewExpression(node.initializer) ? type.types.find((t) => t.getText(sf) === RECORD)
          : type.getText(sf) === RECORD && isEmptyObject(node.initializer) ? type : undefined;
        const properties = record && assignedProperties(checker, node);
        if (properties && properties.size && [...properties.values()].filter((types) => !types.size).length <= 1) {
          const members = [...properties].map(([name, types]) => `${name}?: ${types.size ? [...types].join(' | ') : 'any'}`);
          edits.push({ file, span: { start: record.getStart(sf), length: record.getWidth(sf) }, newText: `{ ${members.join('; ')} }` });
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    keepAtOnceElseEach(project, targets, edits);
  }

  // The properties a variable's value is given beyond those of its
  // initializer's type (name -> the types written, empty where one cannot be
  // written) by `name.p = value` in the variable's scope; undefined where an
  // extra property is read but never written, or taken by a computed key.
  function assignedProperties(checker, declaration) {
    const symbol = checker.getSymbolAtLocation(declaration.name);
    const initial = checker.getTypeAtLocation(declaration.initializer);
    const scope = ts.findAncestor(declaration, (n) => ts.isFunctionLike(n) || ts.isSourceFile(n));
    const properties = new Map();
    const read = new Set();
    let usable = true;
    (function visit(node) {
      if (!usable) return;
      if (ts.isIdentifier(node) && node !== declaration.name && checker.getSymbolAtLocation(node) === symbol) {
        const access = node.parent;
        if (ts.isElementAccessExpression(access) && access.expression === node) usable = false;
        if (ts.isPropertyAccessExpression(access) && access.expression === node && !checker.getPropertyOfType(initial, access.name.text)) {
          const write = access.parent;
          if (ts.isBinaryExpression(write) && write.left === access && write.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
            const types = properties.get(access.name.text) || new Set();
            types.add(writableType(checker, write.right, declaration) || 'any');
            properties.set(access.name.text, types);
          } else read.add(access.name.text);
        }
      }
      ts.forEachChild(node, visit);
    })(scope);
    for (const types of properties.values()) if (types.has('any')) types.clear();
    return usable && [...read].every((name) => properties.has(name)) ? properties : undefined;
  }

  // TypeScript's usage inference types `lines` in `function lengths(lines)
  // { return lines.map(...) }` from the body alone, `any[]`, though every
  // call passes `string[]`. A parameter whose type has an `any` in it and
  // no JSDoc type, of a function the program only calls (never passes on as
  // a value, so every caller is seen), becomes the types its callers pass,
  // where each call passes it one that can be written there with no `any`
  // or `unknown` in it; the annotations guessed for the parameters of
  // callbacks passed to its methods go with it. Kept where error lines plus
  // anys go down: all at once, else one by one.
  function callerTypesForAnyParameters(project, targets) {
    const checker = project.program().getTypeChecker();
    const files = targets.map((file) => project.program().getSourceFile(file));
    const functions = new Map(); // symbol of a function -> { fn, params, calls, passed }
    for (const sf of files) {
      (function visit(node) {
        const fn = functionDeclaredBy(node);
        const params = fn && fn.body && fn.parameters.filter((param) => param.type && countKeyword(param.type, ts.SyntaxKind.AnyKeyword) &&
          ts.isIdentifier(param.name) && !param.dotDotDotToken && !param.questionToken && !param.initializer && !isThis(param) &&
          !ts.getJSDocParameterTags(param).some((tag) => tag.typeExpression)); // a documented type is meant, whatever the callers pass
        if (params && params.length) functions.set(checker.getSymbolAtLocation(node.name), { fn, params, calls: [], passed: false });
        ts.forEachChild(node, visit);
      })(sf);
    }
    functions.delete(undefined);
    if (!functions.size) return;
    for (const sf of files) {
      (function visit(node) {
        if (ts.isIdentifier(node) && !functionDeclaredBy(node.parent)) {
          // `{ lengths }` names the property; the function is the value it is given
          const shorthand = ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node;
          let symbol = shorthand ? checker.getShorthandAssignmentValueSymbol(node.parent) : checker.getSymbolAtLocation(node);
          if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
          const found = symbol && functions.get(symbol);
          if (found) {
            const callee = ts.isPropertyAccessExpression(node.parent) && node.parent.name === node ? node.parent : node;
            const call = callee.parent;
            if ((ts.isCallExpression(call) || ts.isNewExpression(call)) && call.expression === callee) found.calls.push(call);
            else if (!isImportOrExport(node)) found.passed = true;
          }
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    const edits = [];
    for (const { fn, params, calls, passed } of functions.values()) {
      if (passed || !calls.length) continue;
      for (const param of params) {
        const index = fn.parameters.indexOf(param);
        const types = new Set();
        for (const call of calls) {
          const argument = (call.arguments || [])[index];
          const spread = (call.arguments || []).slice(0, index + 1).some(ts.isSpreadElement);
          const type = argument && !spread && !(checker.getTypeAtLocation(argument).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) && writableType(checker, argument, fn);
          if (!type || /\bunknown\b/.test(type)) {
            types.clear();
            break;
          }
          types.add(type);
        }
        const sf = param.getSourceFile();
        // `f(undefined)` alone says nothing of what `f` takes from code outside (knex's
        // `setSchema(schemaName)`), and a `never` (of an empty array) nothing at all
        if (types.size && ![...types].every((type) => type === 'null' || type === 'undefined') && ![...types].some((type) => /\bnever\b/.test(type))) {
          const typed = { file: sf.fileName, span: { start: param.type.getStart(sf), length: param.type.getWidth(sf) }, newText: [...types].join(' | ') };
          edits.push([typed, ...callbackAnnotationsOn(checker, fn, param)]);
        }
      }
    }
    // groups of one file must not interleave: of nested functions, only the outer one's
    const disjoint = edits.filter((group, i) => !edits.some((other, j) => j < i && other[0].file === group[0].file &&
      Math.min(...group.map((e) => e.span.start)) <= Math.max(...other.map((e) => e.span.start)) &&
      Math.min(...other.map((e) => e.span.start)) <= Math.max(...group.map((e) => e.span.start))));
    keepAtOnceElseEach(project, targets, disjoint);
  }

  // The removals of the annotations with `any` in them on the parameters of
  // callbacks passed to a method of `param` (`lines.map((line: { trim: ...
  // }) => ...)`), guessed from their use: typed `param` types them.
  function callbackAnnotationsOn(checker, fn, param) {
    const symbol = checker.getSymbolAtLocation(param.name);
    const removals = [];
    (function visit(node) {
      const callee = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.expression;
      if (callee && ts.isIdentifier(callee) && checker.getSymbolAtLocation(callee) === symbol) {
        for (const callback of node.arguments.filter((arg) => ts.isArrowFunction(arg) || ts.isFunctionExpression(arg))) {
          for (const p of callback.parameters) {
            if (!p.type || !countKeyword(p.type, ts.SyntaxKind.AnyKeyword) || isThis(p)) continue;
            const sf = p.getSourceFile();
            const start = untypedEnd(p);
            removals.push({ file: sf.fileName, span: { start, length: p.type.getEnd() - start }, newText: '' });
          }
        }
      }
      ts.forEachChild(node, visit);
    })(fn.body);
    return removals;
  }

  // The function a declaration names: `function f() {}`, a method, and `const
  // f = () => {}` or `{ f: function () {} }`; undefined for other nodes.
  function functionDeclaredBy(node) {
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) return node;
    const value = (ts.isVariableDeclaration(node) || ts.isPropertyAssignment(node)) && ts.isIdentifier(node.name) && node.initializer;
    return value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) ? value : undefined;
  }

  // Whether an identifier is where a module imports or exports a name (`export = f`, `export = { f }`, `export { f }`, `import f = require()`).
  const isImportOrExport = (node) => ts.isExportAssignment(node.parent) || ts.isExportSpecifier(node.parent) || ts.isImportEqualsDeclaration(node.parent) ||
    ts.isImportSpecifier(node.parent) || ts.isImportClause(node.parent) || ts.isNamespaceImport(node.parent) ||
    (ts.isShorthandPropertyAssignment(node.parent) && ts.isObjectLiteralExpression(node.parent.parent) && ts.isExportAssignment(node.parent.parent.parent));

  // `this.cache = new Map()` declares `cache: Map<any, any>`, and `const
  // rows = []` read in a callback `rows: any[]`: TypeScript types an empty
  // collection by its constructor's defaults. Each `any` in a declared
  // array, `Map`, `WeakMap`, `Set` or `WeakSet` becomes the types the
  // program puts there (`rows.push(row)`, `this.cache.set(key, value)`,
  // `seen.add(x)`), where they can be written at the declaration; values
  // that are themselves `any` (one read back out of it) or `unknown` say nothing. Types
  // only: no code changes. Kept where error lines plus anys go down: all at
  // once, else one by one.
  const COLLECTION_WRITES = { Map: 'set', WeakMap: 'set', Set: 'add', WeakSet: 'add', Array: 'push' };
  function collectionTypesFromWrites(project, targets) {
    const checker = project.program().getTypeChecker();
    const collections = new Map(); // symbol of a declaration typed a collection of anys -> its collectionSlots
    const files = targets.map((file) => project.program().getSourceFile(file));
    for (const sf of files) {
      (function visit(node) {
        const collection = (ts.isPropertyDeclaration(node) || ts.isVariableDeclaration(node)) && ts.isIdentifier(node.name) && node.type && collectionSlots(node.type);
        if (collection && collection.slots.some((slot) => slot.kind === ts.SyntaxKind.AnyKeyword)) collections.set(checker.getSymbolAtLocation(node.name), collection);
        ts.forEachChild(node, visit);
      })(sf);
    }
    if (!collections.size) return;
    const written = new Map([...collections.values()].map((collection) => [collection, collection.slots.map(() => new Set())]));
    const unwritable = new Set(); // collections with a value whose type cannot be written there
    for (const sf of files) {
      (function visit(node) {
        const callee = ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression;
        const target = callee && (ts.isPropertyAccessExpression(callee.expression) ? callee.expression.name : callee.expression);
        const collection = target && collections.get(checker.getSymbolAtLocation(target));
        if (collection && callee.name.text === collection.method) {
          node.arguments.forEach((value, i) => {
            const slot = collection.slotOf(i);
            if (slot >= collection.slots.length || ts.isSpreadElement(value) || checker.getTypeAtLocation(value).flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
            const text = writableType(checker, value, collection.type);
            if (text) written.get(collection)[slot].add(text);
            else unwritable.add(collection);
          });
        }
        ts.forEachChild(node, visit);
      })(sf);
    }
    const edits = [];
    for (const [collection, types] of written) {
      const { type, slots } = collection;
      if (unwritable.has(collection) || types.every((set, i) => !set.size || slots[i].kind !== ts.SyntaxKind.AnyKeyword)) continue;
      const args = slots.map((slot, i) => (slot.kind === ts.SyntaxKind.AnyKeyword && types[i].size ? [...types[i]].join(' | ') : slot.getText()));
      const sf = type.getSourceFile();
      edits.push({ file: sf.fileName, span: { start: type.getStart(sf), length: type.getWidth(sf) }, newText: collection.print(args) });
    }
    keepAtOnceElseEach(project, targets, edits);
  }

  // A collection type node's element types (`slots`), the method that puts
  // values in, which slot its argument `i` fills, and the type written with
  // the given slots' texts; undefined for other types.
  function collectionSlots(type) {
    if (ts.isArrayTypeNode(type)) {
      return { type, slots: [type.elementType], method: 'push', slotOf: () => 0, print: ([element]) => (/[|&]/.test(element) ? `(${element})[]` : `${element}[]`) };
    }
    const name = ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeArguments && type.typeName.text;
    if (!name || !COLLECTION_WRITES[name]) return undefined;
    const slotOf = name === 'Array' ? () => 0 : (i) => i; // `push(a, b)` puts two elements
    return { type, slots: type.typeArguments, method: COLLECTION_WRITES[name], slotOf, print: (args) => `${name}<${args.join(', ')}>` };
  }

  // An object literal used as a prototype (koa's `const request = { get
  // header() { return this.req.headers; } }`, each request made with
  // `Object.create(request)` and given `req`) reads members it does not
  // declare through `this`, each an error (TS2339, TS2551). `satisfies
  // ThisType<Record<string, any>>` says what `this` is in its methods and
  // accessors, and changes neither the object's type nor the code. Only for
  // a literal with such reads on two or more lines, and kept where error
  // lines plus anys go down.
  function thisTypeForObjectLiterals(project, targets) {
    const lines = new Map(); // literal -> lines reading undeclared members through `this`
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        if (diag.code !== NO_SUCH_PROPERTY && diag.code !== NO_SUCH_PROPERTY_SUGGESTED) continue;
        const access = ts.getTokenAtPosition(sf, diag.start).parent;
        if (!ts.isPropertyAccessExpression(access) || access.expression.kind !== ts.SyntaxKind.ThisKeyword) continue;
        const member = ts.findAncestor(access, (n) => ts.isFunctionLike(n) && !ts.isArrowFunction(n));
        const literal = member && thisTypedLiteral(member);
        if (!literal || !takesThisType(literal)) continue;
        lines.set(literal, (lines.get(literal) || new Set()).add(sf.getLineAndCharacterOfPosition(diag.start).line));
      }
    }
    const edits = [...lines].filter(([, at]) => at.size >= 2).map(([literal]) => ({
      file: literal.getSourceFile().fileName,
      span: { start: literal.getEnd(), length: 0 },
      newText: isDescriptorMap(literal) ? ' satisfies PropertyDescriptorMap & ThisType<any>' : ' satisfies ThisType<Record<string, any>>',
    }));
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  // The object literal whose ThisType says what `this` is in a method (or
  // a function that is a property's value): the method's own, or, for an
  // accessor of a property descriptor, the map of descriptors holding it
  // (`{ client: { get() {...} } }`, for `Object.defineProperties`), typed as
  // lib's `defineProperties` types its argument.
  function thisTypedLiteral(member) {
    const own = ts.isPropertyAssignment(member.parent) ? member.parent.parent : member.parent;
    if (!ts.isObjectLiteralExpression(own)) return undefined;
    const map = ts.isPropertyAssignment(own.parent) && own.parent.parent;
    return map && isDescriptorMap(map) ? map : own;
  }

  const DESCRIPTOR_KEYS = new Set(['get', 'set', 'value', 'writable', 'enumerable', 'configurable']);

  // `{ name: { get() {...}, configurable: true }, ... }`: every value a descriptor, with an accessor among them.
  function isDescriptorMap(literal) {
    const descriptors = literal.properties.map((p) => ts.isPropertyAssignment(p) && ts.isObjectLiteralExpression(p.initializer) && p.initializer);
    const keys = (d) => d.properties.map((p) => p.name && ts.isIdentifier(p.name) && p.name.text);
    return descriptors.length > 0 && descriptors.every((d) => d && keys(d).every((k) => DESCRIPTOR_KEYS.has(k))) &&
      descriptors.some((d) => keys(d).some((k) => k === 'get' || k === 'set'));
  }

  // An untyped variable's value, or an object whose members another object
  // gets: `Object.assign(target, literal)`, `Object.defineProperties(target, literal)`.
  function takesThisType(literal) {
    const parent = literal.parent;
    if (ts.isVariableDeclaration(parent)) return !parent.type;
    return ts.isCallExpression(parent) && parent.arguments.indexOf(literal) > 0 && /^Object\.(assign|defineProperties)$/.test(parent.expression.getText());
  }

  // ------------------------------------------------------------ functions that pass their arguments on

  const TOO_MANY_ARGUMENTS = 2554; // Expected N arguments, but got M
  const DROP_FIRST = 'type DropFirst<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;';

  // `ref() { return new Ref(this, ...arguments); }` passes on whatever it is
  // called with; TypeScript spreads only tuples into fixed parameters, and
  // rejects each call passing arguments to a function that declares none. A rest parameter
  // typed as what it passes them to says exactly that, and is the same
  // function: `ref(...args: DropFirst<ConstructorParameters<typeof Ref>>)`
  // with `...args` passed on (`super(...arguments)` in a constructor:
  // `ConstructorParameters<typeof Base>`; `f(...arguments)`:
  // `Parameters<typeof f>`). Kept where error lines plus anys go down.
  function restParametersForPassedArguments(project, targets) {
    const checker = project.program().getTypeChecker();
    const edits = [];
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      const dropFirstFree = !checker.resolveName('DropFirst', sf, ts.SymbolFlags.Type, false); // no type of the project's own by that name
      let dropFirst = false;
      (function visit(node) {
        if (ts.isFunctionLike(node) && !ts.isArrowFunction(node) && !ts.isAccessor(node) && node.body && !node.parameters.length) {
          const passed = passedArguments(node);
          const type = passed && passedType(passed, node);
          const free = (at) => !checker.resolveName('args', at, ts.SymbolFlags.Value, false); // no `args` there to shadow, or to be shadowed by
          if (type && (dropFirstFree || !type.dropFirst) && free(node.body) && passed.spreads.every(free)) {
            const start = sf.text.indexOf('(', node.name ? node.name.getEnd() : node.getStart(sf)) + 1;
            edits.push({ file, span: { start, length: 0 }, newText: `...args: ${type.text}` });
            for (const spread of passed.spreads) edits.push({ file, span: { start: spread.expression.getStart(sf), length: 'arguments'.length }, newText: 'args' });
            dropFirst = dropFirst || type.dropFirst;
          }
        }
        ts.forEachChild(node, visit);
      })(sf);
      if (dropFirst) edits.push({ file, span: { start: sf.end, length: 0 }, newText: `\n${DROP_FIRST}\n` });
    }
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  // A function that reads `arguments` (`restore(fn, obj)` reading
  // `arguments[i + 2]`) and is called with more arguments than it names: each
  // such call is an error (TS2554) until it declares that it takes more,
  // `...rest: unknown[]`. Its body and `fn.length` stay the same. Kept where
  // error lines plus anys go down.
  function restParametersForExtraArguments(project, targets) {
    const checker = project.program().getTypeChecker();
    const functions = new Set();
    for (const file of targets) {
      const sf = project.program().getSourceFile(file);
      for (const diag of project.service.getSemanticDiagnostics(file)) {
        const counts = diag.code === TOO_MANY_ARGUMENTS && /Expected (\d+) arguments?, but got (\d+)/.exec(ts.flattenDiagnosticMessageText(diag.messageText, ' '));
        if (!counts || +counts[2] <= +counts[1]) continue;
        const call = ts.findAncestor(ts.getTokenAtPosition(sf, diag.start), (n) => ts.isCallExpression(n) || ts.isNewExpression(n));
        const fn = call && checker.getResolvedSignature(call)?.declaration;
        if (fn && fn.body && targets.includes(fn.getSourceFile().fileName) && readsArguments(fn)) functions.add(fn);
      }
    }
    const edits = [];
    for (const fn of functions) {
      const sf = fn.getSourceFile();
      const last = fn.parameters[fn.parameters.length - 1];
      if (ts.isArrowFunction(fn) || ts.isAccessor(fn) || (last && last.dotDotDotToken)) continue;
      if (checker.resolveName('rest', fn.body, ts.SymbolFlags.Value, false)) continue; // a `rest` of its own, or one it could shadow
      const start = last ? last.getEnd() : sf.text.indexOf('(', fn.name ? fn.name.getEnd() : fn.getStart(sf)) + 1;
      edits.push({ file: sf.fileName, span: { start, length: 0 }, newText: `${last ? ', ' : ''}...rest: unknown[]` });
    }
    keepWhereFewerErrorsAndAnys(project, targets, edits);
  }

  // Whether `fn`'s own `arguments` (not that of a function inside it) is read.
  function readsArguments(fn) {
    return !!(function find(node) {
      if (node !== fn.body && ts.isFunctionLike(node) && !ts.isArrowFunction(node)) return false;
      if (ts.isIdentifier(node) && node.text === 'arguments') return true;
      return ts.forEachChild(node, find);
    })(fn.body);
  }

  // The `...arguments` spreads of a function (not of functions inside it
  // with `arguments` of their own), if each ends a call to the same callee
  // after the same number of other arguments: { call, spreads }.
  function passedArguments(fn) {
    const spreads = [];
    (function visit(node) {
      if (ts.isFunctionLike(node) && !ts.isArrowFunction(node)) return;
      if (ts.isSpreadElement(node) && ts.isIdentifier(node.expression) && node.expression.text === 'arguments') spreads.push(node);
      ts.forEachChild(node, visit);
    })(fn.body);
    const calls = spreads.map((spread) => spread.parent);
    const same = (call) => (ts.isCallExpression(call) || ts.isNewExpression(call)) && call.arguments[call.arguments.length - 1] === spreads[calls.indexOf(call)] &&
      call.expression.getText() === calls[0].expression.getText() && call.arguments.length === calls[0].arguments.length && call.kind === calls[0].kind &&
      call.arguments.filter(ts.isSpreadElement).length === 1;
    return spreads.length && calls.every(same) ? { call: calls[0], spreads } : undefined;
  }

  // What the arguments are passed to, as the type of a rest parameter of `fn`: { text, dropFirst }, or undefined.
  function passedType({ call }, fn) {
    const isEntityName = (expr) => ts.isIdentifier(expr) || (ts.isPropertyAccessExpression(expr) && isEntityName(expr.expression));
    let target;
    if (call.expression.kind === ts.SyntaxKind.SuperKeyword) {
      const heritage = ts.isConstructorDeclaration(fn) && ts.getClassExtendsHeritageElement(fn.parent);
      if (heritage && isEntityName(heritage.expression)) target = `ConstructorParameters<typeof ${heritage.expression.getText()}>`;
    } else if (isEntityName(call.expression)) {
      target = `${ts.isNewExpression(call) ? 'ConstructorParameters' : 'Parameters'}<typeof ${call.expression.getText()}>`;
    }
    const fixed = call.arguments.length - 1;
    if (!target || fixed > 1) return undefined;
    return fixed ? { text: `DropFirst<${target}>`, dropFirst: true } : { text: target, dropFirst: false };
  }

  // Applies `edits` ({ file, span, newText }) at once, and puts them back
  // unless the program then has fewer lines with errors plus `any`s.
  // `lines` are the error lines as they are (errorLines; pass what the last
  // call returned, and the program need not be checked first); returns them
  // for the program as it is left. With `orEqual`, the edits stay where the
  // count is the same (edits that make an `unknown` precise, which the count
  // does not see); with `noNewLines`, only where no error line is new.
  function keepWhereFewerErrorsAndAnys(project, targets, edits, lines = undefined, { orEqual = false, noNewLines = false } = {}) {
    if (!edits.length) return lines;
    const originals = new Map(targets.map((file) => [file, project.readFile(file)]));
    if (lines === undefined) lines = errorLines(project, targets);
    const before = lines.size + anysIn(project, targets);
    applyPerFile(project, edits);
    const after = errorLines(project, targets);
    const count = after.size + anysIn(project, targets);
    if ((count < before || (orEqual && count === before)) && (!noNewLines || [...after].every((line) => lines.has(line)))) return after;
    writeEdits(project, originals, []);
    return lines;
  }

  const anysIn = (project, targets) => targets.reduce((n, file) => n + countKeyword(project.program().getSourceFile(file), ts.SyntaxKind.AnyKeyword), 0);

  const lineStartOf = (sf, node) => sf.getLineStarts()[sf.getLineAndCharacterOfPosition(node.getStart(sf)).line];
  // The spaces or tabs that start the line `node` starts on.
  const indentOf = (sf, node) => /^[ \t]*/.exec(sf.text.slice(lineStartOf(sf, node)))[0];

  // The lines (file:line) with an error: of `errors` (errorsOf the program as it is) if given.
  function errorLines(project, targets, errors = errorsOf(project, targets, new Map())) {
    return new Set(errors.map(({ file, diag }) => `${file}:${project.program().getSourceFile(file).getLineAndCharacterOfPosition(diag.start).line}`));
  }

  // `: any` for a declaration: its type replaced, or one added after its name;
  // for a class, an index signature (no code is emitted for either).
  function anyEdit(declaration) {
    if (ts.isClassLike(declaration)) {
      return declarationEdit(declaration, declaration.members.pos, 0, `\n${indentOf(declaration.getSourceFile(), declaration)}  [key: string | symbol]: any;`); // after the `{`
    }
    const any = declaration.dotDotDotToken ? 'any[]' : 'any';
    const make = ts.isParameter(declaration) ? (...args) => parameterEdit(declaration, ...args) : (...args) => declarationEdit(declaration, ...args);
    if (declaration.type) return make(declaration.type.getStart(), declaration.type.getWidth(), any);
    if (ts.isFunctionLike(declaration)) return make(declaration.getSourceFile().text.indexOf(')', declaration.parameters.end) + 1, 0, `: ${any}`); // after its parameters
    return make(untypedEnd(declaration), 0, `: ${any}`);
  }

  // The declarations (parameters, class fields, variables) in the program
  // whose type the error `diag` in `sf` is about: what the expression at the
  // error names (`x`, `a.x`, the object of `x[key]`, the object whose
  // property `.x` does not exist), and for an argument that does not fit,
  // the parameter it is passed to as well.
  function contradictedAt(checker, sf, diag) {
    const found = new Set();
    const add = (declaration) => {
      const owner = declaration && (retypable(declaration) ? declaration : typeOwner(declaration));
      if (owner) found.add(owner);
    };
    const token = ts.getTokenAtPosition(sf, diag.start);
    const node = ts.findAncestor(token, (n) => n.getStart(sf) === diag.start && n.getEnd() === diag.start + diag.length) || token;
    if (ts.isPropertyAccessExpression(token.parent) && token.parent.name === token && diag.code === NO_SUCH_PROPERTY) {
      add(declarationNamedBy(checker, token.parent.expression));
    } else if (ts.isElementAccessExpression(node)) {
      // `this[name + 'Mark']` in a class: the class has no index signature
      add(node.expression.kind === ts.SyntaxKind.ThisKeyword ? ts.findAncestor(node, ts.isClassLike) : declarationNamedBy(checker, node.expression));
    } else {
      add(declarationNamedBy(checker, node));
    }
    const call = node.parent;
    if (diag.code === ARGUMENT_NOT_ASSIGNABLE && call && (ts.isCallExpression(call) || ts.isNewExpression(call)) && (call.arguments || []).includes(node)) {
      const parameters = checker.getResolvedSignature(call)?.declaration?.parameters || [];
      const last = parameters[parameters.length - 1];
      add(parameters[call.arguments.indexOf(node)] || (last && last.dotDotDotToken ? last : undefined));
      // a callback the receiver's elements do not fit: `list.map((item: Item) => ...)` on a mistyped `list`
      if (ts.isFunctionLike(node) && ts.isPropertyAccessExpression(call.expression)) add(declarationNamedBy(checker, call.expression.expression));
    }
    if (diag.code === NO_OVERLOAD_MATCHES) {
      const callee = ts.findAncestor(token, ts.isCallExpression)?.expression;
      if (callee && ts.isPropertyAccessExpression(callee)) add(declarationNamedBy(checker, callee.expression));
    }
    // `return x` that does not fit the function's result type: either may be wrong
    if (token.kind === ts.SyntaxKind.ReturnKeyword && ts.isReturnStatement(token.parent) && token.parent.expression) {
      add(declarationNamedBy(checker, token.parent.expression));
      add(ts.findAncestor(token.parent, ts.isFunctionLike));
    }
    // a subclass's member that does not fit its base class's: the base's type may be too narrow
    if (diag.code === NOT_ASSIGNABLE_TO_BASE) {
      const member = ts.findAncestor(token, ts.isClassElement);
      (member ? baseMembers(checker, member) : []).forEach(add);
    }
    // `f().x` where f's result type says it may be null
    if (POSSIBLY_NULLISH.includes(diag.code) && ts.isCallExpression(node)) add(checker.getResolvedSignature(node)?.declaration);
    return [...found];
  }

  // The declaration whose written type holds `node`, a member or a parameter
  // inside a type literal (`deepEqual` and its `arg0` in `t: { deepEqual:
  // (arg0: number) => void }`), where it can be typed `any`: a type inferred
  // from some uses that others contradict is wrong as a whole.
  function typeOwner(node) {
    let inner = node;
    let outer = node.parent;
    while (outer && (ts.isTypeNode(outer) || ts.isTypeElement(outer) || (ts.isParameter(outer) && outer.parent && !outer.parent.body))) {
      inner = outer;
      outer = outer.parent;
    }
    return inner !== node && outer && outer.type === inner && retypable(outer) ? outer : undefined;
  }

  // The declaration of what `expr` names: a variable or parameter, or the member of `a.b`.
  function declarationNamedBy(checker, expr) {
    while (ts.isParenthesizedExpression(expr) || ts.isNonNullExpression(expr)) expr = expr.expression;
    const name = ts.isPropertyAccessExpression(expr) ? expr.name : ts.isIdentifier(expr) ? expr : undefined;
    return name && checker.getSymbolAtLocation(name)?.valueDeclaration;
  }

  // Declarations whose type can be written `any`: classes (by an index
  // signature), functions' written result types (and a method's unwritten
  // one, after its parameters), parameters of functions with a body
  // (typed, or typed by their default), class fields, and variables (not a
  // `require`, and not a for-in or for-of one, where no type can be
  // written), none typed `any` already.
  function retypable(declaration) {
    if (declaration.type && declaration.type.kind === ts.SyntaxKind.AnyKeyword) return false;
    if (declaration.getSourceFile().isDeclarationFile) return false;
    if (ts.isFunctionLike(declaration)) return !!declaration.body && (!!declaration.type || ts.isMethodDeclaration(declaration)); // its result type
    if (ts.isClassLike(declaration)) return !declaration.members.some(ts.isIndexSignatureDeclaration); // an index signature
    if (ts.isParameter(declaration)) {
      return ts.isIdentifier(declaration.name) && !isThis(declaration) && !!declaration.parent.body && !!(declaration.type || declaration.initializer);
    }
    if (ts.isPropertyDeclaration(declaration)) return ts.isIdentifier(declaration.name) || ts.isPrivateIdentifier(declaration.name);
    if (ts.isVariableDeclaration(declaration)) {
      const list = declaration.parent;
      return ts.isIdentifier(declaration.name) && !(declaration.initializer && isRequireCall(declaration.initializer)) &&
        !(ts.isVariableDeclarationList(list) && (ts.isForInStatement(list.parent) || ts.isForOfStatement(list.parent)));
    }
    return false;
  }

  const NO_DECLARATION_FILE = 7016; // Could not find a declaration file for module 'x'
  const CANNOT_FIND_MODULE = 2307; // Cannot find module 'x' or its corresponding type declarations
  const UNTYPED_MODULES = 'untyped-modules.d.ts';

  // `import x = require('depd')` where the package has no types is TS7016 at
  // every import. One shorthand declaration per package (`declare module
  // 'depd';`, typed `any`) in a file of their own replaces those errors; the
  // user can install @types/depd and delete its line. Only where the
  // tsconfig takes every file under the root, so tsc sees the declarations.
  function declareUntypedModules(project, params) {
    if ('untypedModules' in project) return project.untypedModules; // a later residual pass on the same program
    project.untypedModules = untypedModules(project, params);
    return project.untypedModules;
  }

  function untypedModules(project, params) {
    const config = ts.parseConfigFileTextToJson('tsconfig.json', params.tsconfig).config || {};
    const file = path.join(params.root, UNTYPED_MODULES);
    if (config.files || config.include || config.extends || fs.existsSync(file)) return undefined;
    const untyped = new Set();
    const missing = new Set(); // not installed: a dev dependency (knex's stress-test scripts), an optional one
    for (const target of params.targets) {
      const sf = project.program().getSourceFile(target);
      for (const diag of project.service.getSemanticDiagnostics(target)) {
        if (diag.code !== NO_DECLARATION_FILE && diag.code !== CANNOT_FIND_MODULE) continue;
        const token = ts.getTokenAtPosition(sf, diag.start);
        if (!ts.isStringLiteralLike(token) || token.text.startsWith('.') || path.isAbsolute(token.text) || token.text.startsWith('node:')) continue;
        if (diag.code === NO_DECLARATION_FILE) untyped.add(token.text);
        else if (!ts.isLiteralTypeNode(token.parent)) missing.add(token.text); // `import('x').T` would name a type that `any` has not
      }
    }
    for (const name of untyped) missing.delete(name);
    if (!untyped.size && !missing.size) return undefined;
    const declarations = (names) => [...names].sort().map((name) => `declare module ${JSON.stringify(name)};`);
    const text = [
      ...(untyped.size ? [
        '// Packages without type declarations: each is typed `any`. Where one has',
        '// types on npm (npm i -D @types/NAME), install them and delete its line.',
        ...declarations(untyped),
      ] : []),
      ...(missing.size ? [
        ...(untyped.size ? [''] : []),
        '// Packages not installed here: each is typed `any`, installed or not. Where',
        '// one has types of its own or on npm (@types/NAME), install them and delete its line.',
        ...declarations(missing),
      ] : []),
      '',
    ].join('\n');
    project.rootFiles = [...project.rootFiles, file];
    setText(project, file, text);
    return { path: UNTYPED_MODULES, text, modules: untyped.size + missing.size };
  }

  // A field left without a type (a placeholder type dropped, and nothing
  // inferred from its uses) has the type TypeScript takes from its
  // constructor's assignments; where that is `any`, it is written, so that
  // the report counts it and a reader sees it.
  function anyForUntypedFields(sf, project) {
    const checker = project.program().getTypeChecker();
    const changes = [];
    (function visit(node) {
      const named = ts.isPropertyDeclaration(node) && (ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name));
      if (named && !node.type && !node.initializer && checker.getTypeAtLocation(node.name).flags & ts.TypeFlags.Any) {
        changes.push({ span: { start: untypedEnd(node), length: 0 }, newText: ': any' });
      }
      ts.forEachChild(node, visit);
    })(sf);
    return changes;
  }

  // A function whose JSDoc gives its result (`@returns {Mocha} this`) but
  // that is left with no result type (a JSDoc name TypeScript does not know
  // goes, for TypeScript to infer) and returns `any` has `any` written, so
  // that the report counts it and a reader sees it.
  function anyForDocumentedAnyResults(sf, project) {
    const checker = project.program().getTypeChecker();
    const changes = [];
    (function visit(node) {
      if (ts.isFunctionLike(node) && node.body && !node.type && ts.getJSDocReturnTag(node)) {
        const signature = checker.getSignatureFromDeclaration(node);
        const close = ts.findChildOfKind(node, ts.SyntaxKind.CloseParenToken, sf);
        if (close && signature && signature.getReturnType().flags & ts.TypeFlags.Any) changes.push({ span: { start: close.getEnd(), length: 0 }, newText: ': any' });
      }
      ts.forEachChild(node, visit);
    })(sf);
    return changes;
  }

  function residual(params) {
    const project = loadProject(params, compilerOptions(params));
    applyToAll(project, params.targets, (file) => repeatedMembers(project.program().getSourceFile(file)));
    const declarations = declareUntypedModules(project, params);
    typedefsOfImports(project, params.targets);
    // groups typed side by side each saw only their own classes' declarations
    applyToAll(project, params.targets, (file) => inheritedMembersOnce(project.program().getSourceFile(file), project));
    prototypeValueTypes(project, params.targets);
    // first: a call with too few arguments has no other errors yet
    applyPerFile(project, [optionalForShortCalls, importTypeExtensions].flatMap((edits) => edits(project, params.targets)));
    voidForPromisesResolvedEmpty(project, params.targets);
    // edits read off the same errors, applied at once: one check of the program, not one each
    applyPerFile(project, [recordsForUntypedObjects, widenForCallers, anyThisForFunctions].flatMap((edits) => edits(project, params.targets)));
    typesForUntyped(project, params.targets);
    unknownForUntypedParameters(project, params.targets);
    overloadsForGetterSetters(project, params.targets);
    restParametersForPassedArguments(project, params.targets);
    restParametersForExtraArguments(project, params.targets);
    optionalForOverrideParameters(project, params.targets);
    mergedInterfaceForConflictingMembers(project, params.targets);
    thisTypeForObjectLiterals(project, params.targets);
    assignedTypesForDeclaredMembers(project, params.targets);
    jsDocTypesForDeclaredMembers(project, params.targets);
    callerTypesForAnyParameters(project, params.targets);
    collectionTypesFromWrites(project, params.targets); // after: what callers pass may be what is put in
    defaultsForAnyTypeArguments(project, params.targets);
    propertiesForRecords(project, params.targets);
    for (let round = 0; round < 2 && anyForContradictedDeclarations(project, params.targets); round++);
    unknownForUntypedParameters(project, params.targets); // an `any` that only a caller's argument contradicted may need nothing
    typesForDestructuredParameters(project, params.targets);
    unknownForAnyResultsAndFields(project, params.targets);
    contextualCallbackParameters(project, params.targets);
    // after the steps that narrow written `any`s: a result only inferred `any` stays what it was
    applyToAll(project, params.targets, (file) => anyForDocumentedAnyResults(project.program().getSourceFile(file), project));
    const options = project.program().getOptionsDiagnostics().concat(project.program().getGlobalDiagnostics());
    if (options.length) {
      throw new UserError(`the TypeScript configuration has errors: ${ts.flattenDiagnosticMessageText(options[0].messageText, ' ')}`);
    }
    const errorsBefore = params.targets.reduce(
      (n, f) => n + diagnosticsOf(project, f).filter((d) => d.category === ts.DiagnosticCategory.Error).length,
      0
    );
    let unsuppressable = 0;
    let asserted = 0; // inline assertions count as suppressions in the report
    for (let round = 0; round < 8; round++) {
      unsuppressable = 0;
      const changed = applyToAll(project, params.targets, (file) => {
        const outcome = suppressionEdits(project, file);
        unsuppressable += outcome.unsuppressable;
        asserted += outcome.asserted;
        return outcome.changes;
      });
      if (!changed.length) break;
    }
    applyToAll(project, params.targets, (file) => anyForUntypedFields(project.program().getSourceFile(file), project));
    const texts = {};
    let anyCount = declarations ? declarations.modules : 0;
    let unknownCount = 0;
    let suppressions = asserted;
    for (const file of params.targets) {
      texts[file] = project.readFile(file);
      anyCount += countKeyword(project.program().getSourceFile(file), ts.SyntaxKind.AnyKeyword);
      unknownCount += countKeyword(project.program().getSourceFile(file), ts.SyntaxKind.UnknownKeyword);
      suppressions += countDirectives(texts[file]);
    }
    return { texts, errorsBefore, anyCount, unknownCount, suppressions, unsuppressable, declarations };
  }

  return {
    jsToTsPrepare: prepare,
    jsToTsTypes: types,
    jsToTsResidual: residual,
  };
};
