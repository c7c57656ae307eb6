// Behaviour of mocha: suites, hooks, passing, failing, async and pending tests, run programmatically.
const Mocha = require(process.argv[2]);
const { Suite, Test, Hook } = Mocha;
const events = [];
function Reporter(runner) {
  runner.on('suite', (s) => s.title && events.push(`suite ${s.title}`));
  runner.on('pass', (t) => events.push(`pass ${t.fullTitle()}`));
  runner.on('fail', (t, err) => events.push(`fail ${t.fullTitle()}: ${err.message}`));
  runner.on('pending', (t) => events.push(`pending ${t.fullTitle()}`));
  runner.on('end', () => events.push(`end passes=${runner.stats.passes} failures=${runner.stats.failures} pending=${runner.stats.pending}`));
}
const mocha = new Mocha({ reporter: Reporter, timeout: 200 });
const math = Suite.create(mocha.suite, 'math');
let setUp = 0;
math.beforeEach('count', () => { setUp += 1; });
math.addTest(new Test('adds', () => { if (1 + 1 !== 2) throw new Error('bad sum'); }));
math.addTest(new Test('fails on purpose', () => { throw new Error('expected failure'); }));
math.addTest(new Test('waits', (done) => setTimeout(done, 5)));
math.addTest(new Test('resolves', () => Promise.resolve(3)));
math.addTest(new Test('is pending'));
const nested = Suite.create(math, 'nested');
nested.addTest(new Test('times out', (done) => {}));
mocha.run((failures) => {
  console.log(events.join('\n'));
  console.log(`failures ${failures}, beforeEach ran ${setUp} times, Hook is ${typeof Hook}`);
});
