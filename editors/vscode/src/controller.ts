/**
 * What each Kimi command does, written against the Host interface so it is
 * unit-tested with a fake editor and server.
 */
import type { Host, ServerCommand } from './host';
import type { RunSnapshot, RunStore } from './model';
import * as requests from './requests';
import type { StartArgument } from './requests';

export type RunVerb = 'cancel' | 'apply' | 'discard' | 'retry' | 'undo';

const START = 'kimi.swarm.start';

/** The server's message, with a hint when the server predates the command. */
export function describeFailure(command: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/not found|unknown command|unsupported/i.test(message)) {
    return `Kimi: this kimi-lsp server does not support ${command} yet; update kimi-lsp (${message})`;
  }
  return `Kimi: ${command} failed: ${message}`;
}

export class Controller {
  /** The last refactor started, which "Show Plan" plans again. */
  lastRequest: StartArgument | undefined;

  constructor(
    private readonly host: Host,
    private readonly runs: RunStore,
  ) {}

  /**
   * Start a run, first asking for any missing new name (the server's rename
   * code action leaves it to the editor). Returns the run id, or undefined
   * when the user gave up or the server refused (already shown).
   */
  async start(argument: StartArgument, title?: string): Promise<string | undefined> {
    if (requests.missingInstruction(argument)) {
      const instruction = await this.askInstruction(((argument.files as string[] | undefined) ?? []).join(', '));
      if (!instruction) {
        return undefined;
      }
      argument = { ...argument, instruction };
    }
    if (requests.missingNewNames(argument)) {
      const oldName = requests.oldNameFromTitle(title);
      const newName = await this.host.askText({
        prompt: oldName ? `Rename '${oldName}' across the workspace to` : 'New name',
        value: oldName,
        validate: (value) => requests.invalidNewName(value, oldName),
      });
      if (!newName) {
        return undefined;
      }
      argument = requests.withNewName(argument, newName);
    }
    this.lastRequest = argument;
    const result = await this.server(START, requests.withRunOptions(argument, this.host.settings()));
    return (result as { runId?: string } | undefined)?.runId;
  }

  convertWorkspace(): Promise<string | undefined> {
    return this.start(requests.convertWorkspace());
  }

  async convertFolder(folderPath?: string): Promise<string | undefined> {
    const folder = folderPath ?? (await this.host.pickFolder());
    const rel = folder && this.relative(folder);
    return rel === undefined ? undefined : this.start(requests.convertFolder(rel));
  }

  /** The server's rename code action at the cursor, with a prompted new name. */
  async renameSymbol(): Promise<string | undefined> {
    const cursor = this.host.cursor();
    if (!cursor) {
      this.host.showError('Kimi: put the cursor on a symbol in a JavaScript, TypeScript or Python file first');
      return undefined;
    }
    const actions = await this.host.codeActionsAt(cursor);
    const rename = actions.find((a) => a.command === START && requests.missingNewNames(a.arguments?.[0]));
    if (!rename) {
      this.host.showError('Kimi: there is no symbol to rename under the cursor');
      return undefined;
    }
    return this.start(rename.arguments![0] as StartArgument, rename.title);
  }

  /** A code action's command, routed here so the rename prompt happens in the editor. */
  runCodeAction(command: ServerCommand): Promise<string | undefined> {
    return this.start((command.arguments?.[0] ?? {}) as StartArgument, command.title);
  }

  async bulkRename(mappingPath?: string): Promise<string | undefined> {
    const path = mappingPath ?? (await this.host.pickJsonFile());
    if (!path) {
      return undefined;
    }
    let argument: StartArgument;
    try {
      argument = requests.bulkRename(await this.host.readFile(path));
    } catch (err) {
      this.host.showError(`Kimi: ${path}: ${(err as Error).message}`);
      return undefined;
    }
    return this.start(argument);
  }

  /** An instruction on the given files, else the active file, else the whole workspace. */
  async instruct(paths?: string[]): Promise<string | undefined> {
    const targets = paths ?? (this.host.cursor() ? [this.host.cursor()!.path] : []);
    const files = targets.map((p) => this.relative(p)).filter((p): p is string => p !== undefined);
    if (files.length !== targets.length) {
      return undefined;
    }
    const instruction = await this.askInstruction(files.join(', '));
    return instruction ? this.start(requests.instruct(instruction, files)) : undefined;
  }

  private async askInstruction(where: string): Promise<string | undefined> {
    const instruction = await this.host.askText({
      prompt: `Instruction for the swarm (${where || 'every file'})`,
      placeHolder: 'e.g. replace callbacks with async/await',
      validate: (value) => (value.trim() ? undefined : 'type an instruction'),
    });
    return instruction?.trim() || undefined;
  }

  /** The plan of the last refactor (or of converting the workspace) as a Markdown document. */
  async showPlan(): Promise<void> {
    const argument = requests.withRunOptions(this.lastRequest ?? requests.convertWorkspace(), this.host.settings());
    const plan = (await this.server('kimi.swarm.plan', argument)) as { spec?: string } | undefined;
    if (plan) {
      await this.host.openUntitled(plan.spec ?? JSON.stringify(plan, null, 2), 'markdown');
    }
  }

  /** cancel, apply, discard, retry or undo: on the given run, the only one, or one the user picks. */
  async runCommand(verb: RunVerb, runId?: string): Promise<unknown> {
    const id = runId ?? (await this.chooseRun(verb));
    if (!id) {
      return undefined;
    }
    const result = await this.server(`kimi.swarm.${verb}`, requests.runCommandArgument(id));
    if (result !== undefined) {
      const status = (result as { status?: string }).status;
      this.host.showInfo(`Kimi: ${verb} ${id}${status ? `: ${status}` : ''}`);
    }
    return result;
  }

  async setApiKey(): Promise<void> {
    const key = await this.host.askText({
      prompt: 'Kimi API key (stored in VS Code secret storage; empty to remove)',
      password: true,
    });
    if (key === undefined) {
      return;
    }
    await this.host.storeApiKey(key.trim() || undefined);
    this.host.showInfo(key.trim() ? 'Kimi: API key saved; the server restarts with it' : 'Kimi: API key removed');
    await this.host.restartServer();
  }

  /** A group's diff when the server sent one, else its files. */
  async openGroup(runId: string, groupId: string): Promise<void> {
    const group = this.runs.group(runId, groupId);
    if (!group) {
      return;
    }
    if (group.diff) {
      await this.host.openUntitled(group.diff, 'diff');
      return;
    }
    for (const file of group.files) {
      await this.openFile(file);
    }
  }

  /** A workspace file, or its TypeScript successor once a conversion renamed it. */
  async openFile(rel: string): Promise<void> {
    const root = this.host.workspaceRoot();
    if (!root) {
      return;
    }
    const candidates = [rel, ...['.ts', '.tsx'].map((ext) => rel.replace(/\.(c|m)?jsx?$/, ext))];
    for (const candidate of candidates) {
      const path = `${root}/${candidate}`;
      if (await this.host.fileExists(path)) {
        await this.host.openFile(path);
        return;
      }
    }
    this.host.showError(`Kimi: ${rel} no longer exists`);
  }

  private async chooseRun(verb: RunVerb): Promise<string | undefined> {
    const runs: RunSnapshot[] = this.runs.all();
    const candidates = verb === 'cancel' ? runs.filter((r) => r.phase !== 'done') : runs;
    if (candidates.length === 0) {
      this.host.showError(verb === 'cancel' ? 'Kimi: no run is going' : 'Kimi: no run yet');
      return undefined;
    }
    if (candidates.length === 1) {
      return candidates[0].runId;
    }
    return this.host.pickRun([...candidates].reverse(), verb);
  }

  private relative(path: string): string | undefined {
    const root = this.host.workspaceRoot();
    const rel = root ? requests.relativePath(root, path) : undefined;
    if (rel === undefined) {
      this.host.showError(`Kimi: ${path} is not inside the workspace folder`);
    }
    return rel;
  }

  /** Send a server command; failures are shown and come back as undefined. */
  private async server(command: string, argument: unknown): Promise<unknown> {
    try {
      return (await this.host.executeServerCommand(command, argument)) ?? {};
    } catch (err) {
      this.host.showError(describeFailure(command, err));
      return undefined;
    }
  }
}
