'use strict';
// Loads a large CommonJS file of TypeScript's (typescript.js for the sidecar,
// _tsc.js for tsc) through V8's code cache. Compiling typescript.js (9 MB)
// and then the functions a process needs costs every start a few hundred
// milliseconds of CPU; the first process for a given file and Node writes the
// cache into `cacheDir` when it exits (compiled after the work, so it holds
// those functions too), later ones start from it. V8 rejects a cache that
// does not fit (other flags, say), and a fresh one is written.

const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

function loadCached(entry, cacheDir) {
  if (!cacheDir) return require(entry);
  const stat = fs.statSync(entry);
  const key = crypto.createHash('sha256').update([entry, stat.size, stat.mtimeMs, process.version, process.arch].join('\0'));
  const cacheFile = path.join(cacheDir, `${path.basename(entry, '.js')}-${key.digest('hex').slice(0, 16)}.v8cache`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(entry, 'utf8')), { filename: entry, cachedData });
  // before running it: tsc exits from inside the file
  if (!cachedData || script.cachedDataRejected) process.on('exit', () => writeCodeCache(cacheFile, script));
  const loaded = { exports: {} };
  script.runInThisContext()(loaded.exports, Module.createRequire(entry), loaded, entry, path.dirname(entry));
  return loaded.exports;
}

function writeCodeCache(cacheFile, script) {
  const partial = `${cacheFile}.${process.pid}`;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(partial, script.createCachedData());
    fs.renameSync(partial, cacheFile); // whole or not at all, also with two processes exiting at once
  } catch {
    fs.rmSync(partial, { force: true }); // no cache (say, a read-only home): the next start compiles again
  }
}

module.exports = loadCached;
