import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTree, formatSeconds, progressPercent, RunStore, statusBarText, type RunSnapshot } from '../src/model';

function snapshot(overrides: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    runId: 'r1',
    refactor: 'js-to-ts',
    status: 'running',
    phase: 'running',
    message: null,
    elapsed: 3.25,
    agents: 4,
    totals: { groups: 3, ok: 1, running: 1, queued: 1 },
    groups: [
      { id: 'g1', status: 'ok', files: ['src/a.js'], after: [], agent: 1, attempts: 1, elapsed: 1.5, error: null },
      { id: 'g2', status: 'running', files: ['src/b.js', 'src/c.js'], after: ['g1'], agent: 2, attempts: 2, elapsed: 0.5, error: null },
      { id: 'g3', status: 'queued', files: ['src/d.js'], after: [], agent: null, attempts: 0, elapsed: 0, error: null },
    ],
    delivery: 'pending',
    ...overrides,
  };
}

test('runs become roots, newest first, with their groups and files below', () => {
  const tree = buildTree([snapshot(), snapshot({ runId: 'r2', refactor: 'rename' })]);
  assert.deepEqual(tree.map((n) => n.id), ['r2', 'r1']);
  const groups = tree[1].children;
  assert.deepEqual(groups.map((g) => g.id), ['r1/g1', 'r1/g2', 'r1/g3']);
  assert.deepEqual(groups[1].children.map((f) => f.label), ['src/b.js', 'src/c.js']);
  assert.deepEqual(groups[1].children[0].action, { kind: 'openFile', path: 'src/b.js' });
  assert.deepEqual(groups[0].action, { kind: 'openGroup', runId: 'r1', groupId: 'g1' });
});

test('state icons follow group and run status', () => {
  const [run] = buildTree([snapshot()]);
  assert.equal(run.icon.id, 'sync~spin');
  assert.equal(run.contextValue, 'run.running');
  assert.deepEqual(run.children.map((g) => g.icon.id), ['pass', 'sync~spin', 'circle-outline']);
  const [done] = buildTree([snapshot({ phase: 'done', status: 'failed' })]);
  assert.equal(done.icon.id, 'error');
  assert.equal(done.contextValue, 'run.failed');
});

test('descriptions show progress, elapsed time, agents, model usage and errors', () => {
  const run = snapshot({
    model: { tokensIn: 12000, tokensOut: 345, requests: 7 },
    groups: [
      { id: 'g1', status: 'failed', files: ['a.js'], attempts: 3, elapsed: 61, agent: 2, error: 'tsc: 2 new errors', model: { tokensIn: 900, tokensOut: 50, requests: 2 } },
    ],
  });
  const [node] = buildTree([run]);
  assert.equal(node.description, 'running · 1/1 groups · 3.3s · 4 agents · 12.3k tokens · 7 requests · 1 failed');
  assert.equal(node.children[0].description, 'failed · 1m01s · agent 2 · attempt 3 · 950 tokens · 2 requests · tsc: 2 new errors');
  assert.match(node.children[0].tooltip, /error: tsc: 2 new errors/);
});

test('a snapshot without model stats still renders', () => {
  const [node] = buildTree([snapshot({ groups: undefined, agents: undefined })]);
  assert.equal(node.description, 'running · 0/0 groups · 3.3s');
  assert.deepEqual(node.children, []);
});

test('status bar and progress count finished groups', () => {
  assert.equal(statusBarText(snapshot()), '$(sync~spin) Kimi: js-to-ts running 1/3');
  assert.equal(statusBarText(snapshot({ phase: 'done', status: 'ok' })), '$(pass) Kimi: js-to-ts ok');
  assert.equal(progressPercent(snapshot()), 33);
  const planning = snapshot({ phase: 'planning', groups: [] });
  assert.equal(statusBarText(planning), '$(sync~spin) Kimi: js-to-ts planning');
  assert.equal(buildTree([planning])[0].description, 'planning · 3.3s · 4 agents');
});

test('the store keeps the latest snapshot and reports start and finish once', () => {
  const store = new RunStore();
  assert.deepEqual(store.update(snapshot()), { started: true, finished: false });
  assert.deepEqual(store.update(snapshot({ phase: 'done', status: 'ok' })), { started: false, finished: true });
  assert.deepEqual(store.update(snapshot({ phase: 'done', status: 'ok' })), { started: false, finished: false });
  store.update(snapshot({ runId: 'r2' }));
  assert.equal(store.current()?.runId, 'r2');
  store.update(snapshot({ runId: 'r2', phase: 'done', status: 'ok' }));
  assert.equal(store.current()?.runId, 'r2');
  assert.equal(store.group('r1', 'g2')?.files.length, 2);
});

test('durations read naturally', () => {
  assert.deepEqual([0.42, 12.4, 185].map(formatSeconds), ['0.4s', '12s', '3m05s']);
});
