'use strict';
// TypeScript's tsc, started through V8's code cache (code_cache.js).
// usage: node tsc.js CACHE_DIR TYPESCRIPT_DIR [tsc arguments]

const fs = require('fs');
const path = require('path');
const loadCached = require('./code_cache');

const [cacheDir, typescript] = process.argv.splice(2, 2);
const lib = path.join(typescript, 'lib');
// TypeScript 5.7+ ships tsc as lib/_tsc.js behind a small lib/tsc.js; earlier versions as lib/tsc.js
const entry = fs.existsSync(path.join(lib, '_tsc.js')) ? path.join(lib, '_tsc.js') : path.join(lib, 'tsc.js');
process.argv[1] = entry;
loadCached(entry, cacheDir);
