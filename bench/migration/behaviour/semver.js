// Behaviour of semver: parsing, comparing, ranges, coercion, increments.
const semver = require(process.argv[2]);
const versions = ['1.2.3', '1.2.3-beta.1', '2.0.0', '0.9.9', '1.10.0', 'v3.0.0-rc.1+build.5'];
console.log(versions.map((v) => semver.valid(v)).join(' '));
console.log([...versions].sort(semver.compare).join(' '));
console.log(semver.satisfies('1.5.0', '^1.2.0'), semver.satisfies('2.1.0', '~2.0.0'), semver.maxSatisfying(versions, '>=1.2.0 <2'));
console.log(semver.inc('1.2.3', 'minor'), semver.inc('1.2.3-beta.1', 'prerelease'), semver.coerce('v4.5 final').version);
console.log(new semver.Range('>=1.0.0 <2.0.0 || ^3.0.0').format(), semver.diff('1.2.3', '1.3.0'), semver.minVersion('>1.4.2').version);
console.log(semver.intersects('^1.2.0', '>=1.5.0'), semver.gt('1.2.10', '1.2.9'), semver.parse('1.2.3-alpha.4').prerelease.join('.'));
