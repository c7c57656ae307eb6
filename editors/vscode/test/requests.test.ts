import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as requests from '../src/requests';

const settings: requests.Settings = { python: '', baseUrl: '', model: '', maxAgents: 6, requestBudget: 0, previewEdits: false };

test('start arguments carry agents, and preview only when set', () => {
  assert.deepEqual(requests.withRunOptions(requests.convertWorkspace(), settings), { agents: 6, refactor: 'js-to-ts' });
  assert.deepEqual(requests.withRunOptions(requests.convertFolder('src'), { ...settings, previewEdits: true, requestBudget: 40 }), {
    agents: 6,
    preview: true,
    refactor: 'js-to-ts',
    folder: 'src',
  });
  assert.deepEqual(requests.withRunOptions({ refactor: 'rename', agents: 2 }, settings), { agents: 2, refactor: 'rename' });
});

test('converting the root folder converts the workspace', () => {
  assert.deepEqual(requests.convertFolder('.'), { refactor: 'js-to-ts' });
});

test('instructions name their files, or every file', () => {
  assert.deepEqual(requests.instruct('use const', ['a.js']), { refactor: 'instruct', instruction: 'use const', files: ['a.js'] });
  assert.deepEqual(requests.instruct('use const', []), { refactor: 'instruct', instruction: 'use const', files: ['**/*'] });
  assert.equal(requests.missingInstruction({ refactor: 'instruct', files: ['a.js'] }), true);
  assert.equal(requests.missingInstruction({ refactor: 'instruct', files: ['a.js'], instruction: 'x' }), false);
});

test('the code action rename gets the new name in every entry', () => {
  const action = { refactor: 'rename', renames: [{ target: 'src/user.js:1:17' }] };
  assert.equal(requests.missingNewNames(action), true);
  const filled = requests.withNewName(action, 'fetchUser');
  assert.deepEqual(filled, { refactor: 'rename', renames: [{ target: 'src/user.js:1:17', new: 'fetchUser' }] });
  assert.equal(requests.missingNewNames(filled), false);
  assert.equal(requests.missingNewNames({ refactor: 'js-to-ts' }), false);
  assert.equal(requests.oldNameFromTitle("Kimi swarm: rename 'getUser' across the workspace…"), 'getUser');
});

test('new names must be identifiers and differ from the old one', () => {
  assert.equal(requests.invalidNewName('fetchUser', 'getUser'), undefined);
  assert.match(requests.invalidNewName('fetch user') ?? '', /not an identifier/);
  assert.match(requests.invalidNewName('1x') ?? '', /not an identifier/);
  assert.match(requests.invalidNewName('getUser', 'getUser') ?? '', /old name/);
});

test('a mapping file splits into renames and moves', () => {
  const text = JSON.stringify([
    { target: 'src/cart.js#renderCart', new: 'formatCart' },
    { move: 'src/util.js', to: 'src/lib/format.js' },
  ]);
  assert.deepEqual(requests.bulkRename(text), {
    refactor: 'rename',
    renames: [{ target: 'src/cart.js#renderCart', new: 'formatCart' }],
    moves: [{ move: 'src/util.js', to: 'src/lib/format.js' }],
  });
  assert.throws(() => requests.bulkRename('{'), /not JSON/);
  assert.throws(() => requests.bulkRename('{"a": 1}'), /non-empty JSON list/);
});

test('the API key reaches the server through its environment', () => {
  assert.deepEqual(requests.serverEnvironment({ PATH: '/bin', UNSET: undefined }, 'sk-1'), { PATH: '/bin', KIMI_API_KEY: 'sk-1' });
  assert.deepEqual(requests.serverEnvironment({}, undefined), {});
});

test('paths are sent relative to the workspace root', () => {
  assert.equal(requests.relativePath('/w/shop', '/w/shop/src/a.js'), 'src/a.js');
  assert.equal(requests.relativePath('/w/shop/', '/w/shop'), '.');
  assert.equal(requests.relativePath('/w/shop', '/w/shopping/a.js'), undefined);
  assert.equal(requests.relativePath('C:\\w\\shop', 'C:\\w\\shop\\src\\a.js'), 'src/a.js');
});
