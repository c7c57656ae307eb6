/**
 * The one JSON object each `kimi.swarm.*` command takes, built from settings
 * and user input. Pure, so every shape the extension sends is unit-tested.
 */

export interface Settings {
  python: string;
  baseUrl: string;
  model: string;
  maxAgents: number;
  requestBudget: number;
  previewEdits: boolean;
}

export type StartArgument = Record<string, unknown> & { refactor: string };

export interface RenameEntry {
  target: string;
  new?: string;
}

/**
 * Start options every refactor shares, from the settings. Model settings
 * (baseUrl, model, requestBudget) reach the server as its `kimi` settings
 * section instead, so plans and runs read the same values.
 */
export function withRunOptions(argument: StartArgument, settings: Settings): StartArgument {
  const options: Record<string, unknown> = { agents: settings.maxAgents };
  if (settings.previewEdits) {
    options.preview = true;
  }
  return { ...options, ...argument };
}

export function convertWorkspace(): StartArgument {
  return { refactor: 'js-to-ts' };
}

export function convertFolder(folder: string): StartArgument {
  return folder === '' || folder === '.' ? convertWorkspace() : { refactor: 'js-to-ts', folder };
}

/** An instruction run on the given files, or on every file (the server skips ignored and binary ones). */
export function instruct(instruction: string, files: string[]): StartArgument {
  return { refactor: 'instruct', instruction, files: files.length ? files : ['**/*'] };
}

/** An instruction run from the server's code action still waits for its instruction. */
export function missingInstruction(argument: unknown): boolean {
  return isObject(argument) && argument.refactor === 'instruct' && typeof argument.instruction !== 'string';
}

const JS_IDENTIFIER = /^[A-Za-z_$\u00a0-\uffff][\w$\u00a0-\uffff]*$/;

/** Why a new name cannot be used, or undefined when it can; shown as the input box validates. */
export function invalidNewName(name: string, oldName?: string): string | undefined {
  if (!JS_IDENTIFIER.test(name)) {
    return `'${name}' is not an identifier`;
  }
  if (name === oldName) {
    return 'the new name is the old name';
  }
  return undefined;
}

/** The symbol a "Kimi swarm: rename 'getUser' across the workspace…" action renames. */
export function oldNameFromTitle(title: string | undefined): string | undefined {
  return title?.match(/'([^']+)'/)?.[1];
}

/** Renames in a start argument still waiting for their new name (the server's code action leaves it out). */
export function missingNewNames(argument: unknown): boolean {
  if (!isObject(argument) || argument.refactor !== 'rename' || !Array.isArray(argument.renames)) {
    return false;
  }
  return argument.renames.some((r) => isObject(r) && typeof r.new !== 'string');
}

/** The server's rename argument with the new name filled into every rename. */
export function withNewName(argument: StartArgument, newName: string): StartArgument {
  const renames = (argument.renames as RenameEntry[]).map((r) => ({ ...r, new: r.new ?? newName }));
  return { ...argument, renames };
}

/**
 * A bulk rename from a mapping file: a JSON list of {target, new} renames and
 * {move, to} file moves, the same file `kimi-lsp run rename --map` reads.
 */
export function bulkRename(mappingText: string): StartArgument {
  let entries: unknown;
  try {
    entries = JSON.parse(mappingText);
  } catch (err) {
    throw new Error(`the mapping file is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new Error('a mapping file is a non-empty JSON list of {"target", "new"} and {"move", "to"} objects');
  }
  const renames = entries.filter((e) => !(isObject(e) && 'move' in e));
  const moves = entries.filter((e) => isObject(e) && 'move' in e);
  return { refactor: 'rename', renames, moves };
}

export function runCommandArgument(runId: string): { runId: string } {
  return { runId };
}

/**
 * The server process's environment: the API key travels only this way, never
 * through settings, initializationOptions or logs.
 */
export function serverEnvironment(base: Record<string, string | undefined>, apiKey: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined) {
      env[key] = value;
    }
  }
  if (apiKey) {
    env.KIMI_API_KEY = apiKey;
  }
  return env;
}

/** A path relative to the workspace root with forward slashes, or undefined when outside it. */
export function relativePath(root: string, path: string): string | undefined {
  const normalize = (p: string) => p.replace(/\\/g, '/').replace(/\/+$/, '');
  const base = normalize(root);
  const full = normalize(path);
  if (full === base) {
    return '.';
  }
  return full.startsWith(`${base}/`) ? full.slice(base.length + 1) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
