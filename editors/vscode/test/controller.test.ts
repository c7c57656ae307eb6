import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Controller, describeFailure } from '../src/controller';
import type { CursorPosition, Host, InputOptions, ServerCommand } from '../src/host';
import { RunStore, type RunSnapshot } from '../src/model';
import type { Settings } from '../src/requests';

/** A scripted editor: answers prompts from a queue and records what was sent and shown. */
class FakeHost implements Host {
  answers: (string | undefined)[] = [];
  prompts: InputOptions[] = [];
  sent: { command: string; argument: unknown }[] = [];
  errors: string[] = [];
  infos: string[] = [];
  opened: string[] = [];
  untitled: { content: string; language: string }[] = [];
  files = new Map<string, string>();
  position: CursorPosition | undefined = { path: '/w/src/user.js', line: 0, character: 17 };
  actions: ServerCommand[] = [];
  serverError: Error | undefined;
  storedKey: string | undefined = 'old';
  restarts = 0;

  settings(): Settings {
    return { python: '', baseUrl: '', model: '', maxAgents: 4, requestBudget: 0, previewEdits: false };
  }
  workspaceRoot() {
    return '/w';
  }
  cursor() {
    return this.position;
  }
  async askText(options: InputOptions) {
    this.prompts.push(options);
    return this.answers.shift();
  }
  async pickFolder() {
    return '/w/src';
  }
  async pickJsonFile() {
    return '/w/renames.json';
  }
  async pickRun(runs: RunSnapshot[]) {
    return runs[0].runId;
  }
  async readFile(path: string) {
    const text = this.files.get(path);
    if (text === undefined) {
      throw new Error(`no ${path}`);
    }
    return text;
  }
  async fileExists(path: string) {
    return this.files.has(path);
  }
  showInfo(message: string) {
    this.infos.push(message);
  }
  showError(message: string) {
    this.errors.push(message);
  }
  async openFile(path: string) {
    this.opened.push(path);
  }
  async openUntitled(content: string, language: string) {
    this.untitled.push({ content, language });
  }
  async executeServerCommand(command: string, argument: unknown) {
    this.sent.push({ command, argument });
    if (this.serverError) {
      throw this.serverError;
    }
    return command === 'kimi.swarm.start' ? { runId: 'r9' } : command === 'kimi.swarm.plan' ? { spec: '# Plan' } : { status: 'cancelled' };
  }
  async codeActionsAt() {
    return this.actions;
  }
  async storeApiKey(key: string | undefined) {
    this.storedKey = key;
  }
  async restartServer() {
    this.restarts++;
  }
}

const renameAction: ServerCommand = {
  title: "Kimi swarm: rename 'getUser' across the workspace…",
  command: 'kimi.swarm.start',
  arguments: [{ refactor: 'rename', renames: [{ target: 'src/user.js:1:17' }] }],
};

function setup() {
  const host = new FakeHost();
  const store = new RunStore();
  return { host, store, controller: new Controller(host, store) };
}

test('a rename code action asks for the new name, offering the old one, then starts the run', async () => {
  const { host, controller } = setup();
  host.answers = ['fetchUser'];
  assert.equal(await controller.runCodeAction(renameAction), 'r9');
  assert.equal(host.prompts[0].value, 'getUser');
  assert.match(host.prompts[0].prompt, /Rename 'getUser'/);
  assert.equal(host.prompts[0].validate?.('getUser'), 'the new name is the old name');
  assert.deepEqual(host.sent, [
    { command: 'kimi.swarm.start', argument: { agents: 4, refactor: 'rename', renames: [{ target: 'src/user.js:1:17', new: 'fetchUser' }] } },
  ]);
});

test('dismissing the new-name prompt starts nothing', async () => {
  const { host, controller } = setup();
  host.answers = [undefined];
  assert.equal(await controller.runCodeAction(renameAction), undefined);
  assert.deepEqual(host.sent, []);
});

test('the palette rename uses the server code action at the cursor', async () => {
  const { host, controller } = setup();
  host.actions = [{ title: 'Other', command: 'other.command' }, renameAction];
  host.answers = ['fetchUser'];
  assert.equal(await controller.renameSymbol(), 'r9');
  host.actions = [];
  assert.equal(await controller.renameSymbol(), undefined);
  assert.match(host.errors[0], /no symbol to rename/);
});

test('converting a folder sends it relative to the workspace; outside it is refused', async () => {
  const { host, controller } = setup();
  await controller.convertFolder('/w/src/lib');
  await controller.convertFolder();
  await controller.convertFolder('/elsewhere');
  assert.deepEqual(host.sent.map((s) => s.argument), [
    { agents: 4, refactor: 'js-to-ts', folder: 'src/lib' },
    { agents: 4, refactor: 'js-to-ts', folder: 'src' },
  ]);
  assert.match(host.errors[0], /not inside the workspace/);
});

test('an instruction applies to the active file', async () => {
  const { host, controller } = setup();
  host.answers = ['  use async/await  '];
  await controller.instruct();
  assert.deepEqual(host.sent[0].argument, { agents: 4, refactor: 'instruct', instruction: 'use async/await', files: ['src/user.js'] });
});

test("the server's instruction code action asks for the instruction", async () => {
  const { host, controller } = setup();
  host.answers = ['add JSDoc'];
  const action = { title: 'Kimi swarm: apply an instruction to lines 2-4 of src/a.js…', command: 'kimi.swarm.start',
    arguments: [{ refactor: 'instruct', files: ['src/a.js'], lines: [2, 4] }] };
  await controller.runCodeAction(action);
  assert.match(host.prompts[0].prompt, /src\/a\.js/);
  assert.deepEqual(host.sent[0].argument, { agents: 4, refactor: 'instruct', files: ['src/a.js'], lines: [2, 4], instruction: 'add JSDoc' });
});

test('bulk rename reads the mapping file and reports a bad one', async () => {
  const { host, controller } = setup();
  host.files.set('/w/renames.json', '[{"target": "src/a.js#x", "new": "y"}]');
  await controller.bulkRename();
  assert.deepEqual(host.sent[0].argument, { agents: 4, refactor: 'rename', renames: [{ target: 'src/a.js#x', new: 'y' }], moves: [] });
  host.files.set('/w/bad.json', 'nope');
  await controller.bulkRename('/w/bad.json');
  assert.match(host.errors[0], /bad\.json: the mapping file is not JSON/);
});

test('run commands go to the current run, and server errors are shown, not thrown', async () => {
  const { host, store, controller } = setup();
  await controller.runCommand('cancel');
  assert.match(host.errors[0], /no run is going/);
  store.update({ runId: 'r1', refactor: 'rename', status: 'running', phase: 'running' });
  await controller.runCommand('cancel');
  assert.deepEqual(host.sent[0], { command: 'kimi.swarm.cancel', argument: { runId: 'r1' } });
  host.serverError = new Error("Command 'kimi.swarm.undo' not found");
  assert.equal(await controller.runCommand('undo', 'r1'), undefined);
  assert.match(host.errors[1], /does not support kimi\.swarm\.undo yet/);
});

test('show plan plans the last refactor started', async () => {
  const { host, controller } = setup();
  await controller.convertFolder('/w/src');
  await controller.showPlan();
  assert.deepEqual(host.sent[1], { command: 'kimi.swarm.plan', argument: { agents: 4, refactor: 'js-to-ts', folder: 'src' } });
  assert.deepEqual(host.untitled, [{ content: '# Plan', language: 'markdown' }]);
});

test('the API key is stored as a secret and restarts the server', async () => {
  const { host, controller } = setup();
  host.answers = [' sk-new '];
  await controller.setApiKey();
  assert.equal(host.storedKey, 'sk-new');
  assert.equal(host.restarts, 1);
  assert.ok(host.infos.every((m) => !m.includes('sk-new')));
  host.answers = [''];
  await controller.setApiKey();
  assert.equal(host.storedKey, undefined);
});

test('opening a group shows its diff, or its files (following a .js file to its .ts successor)', async () => {
  const { host, store, controller } = setup();
  store.update({
    runId: 'r1', refactor: 'js-to-ts', status: 'ok', phase: 'done',
    groups: [
      { id: 'g1', status: 'ok', files: ['src/a.js', 'src/b.js'] },
      { id: 'g2', status: 'ok', files: ['src/c.js'], diff: '--- a\n+++ b\n' },
    ],
  });
  host.files.set('/w/src/a.ts', '');
  host.files.set('/w/src/b.js', '');
  await controller.openGroup('r1', 'g1');
  await controller.openGroup('r1', 'g2');
  assert.deepEqual(host.opened, ['/w/src/a.ts', '/w/src/b.js']);
  assert.deepEqual(host.untitled, [{ content: '--- a\n+++ b\n', language: 'diff' }]);
});

test('server failures read as sentences', () => {
  assert.equal(describeFailure('kimi.swarm.start', new Error('nothing to do')), 'Kimi: kimi.swarm.start failed: nothing to do');
});
