/**
 * The kimi-lsp process and its language client: start, restart, and the
 * middleware that routes the server's rename code action through the
 * extension so it can ask for the new name.
 */
import type * as vscode from 'vscode';
import {
  CodeActionRequest,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { ServerCommand } from './host';
import type { RunSnapshot } from './model';

/** The VS Code command a rewritten code action runs; it prompts, then starts the run. */
export const CODE_ACTION_COMMAND = 'kimi.runCodeAction';
const START = 'kimi.swarm.start';
const LANGUAGES = ['javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'python'];

export interface ServerLaunch {
  python: string;
  env: Record<string, string>;
  cwd?: string;
}

export interface ServerHooks {
  launch(): Promise<ServerLaunch>;
  onStatus(snapshot: RunSnapshot): void;
  onStartFromServer(command: ServerCommand): Promise<unknown>;
}

function routeStart(item: vscode.Command | vscode.CodeAction): vscode.Command | vscode.CodeAction {
  if ('kind' in item || typeof item.command !== 'string') {
    const action = item as vscode.CodeAction;
    if (action.command?.command === START) {
      action.command = { title: action.command.title, command: CODE_ACTION_COMMAND, arguments: [action.command] };
    }
    return action;
  }
  const command = item as vscode.Command;
  return command.command === START ? { title: command.title, command: CODE_ACTION_COMMAND, arguments: [command] } : command;
}

export class KimiServer {
  private client: LanguageClient | undefined;
  /** Settles when the latest start attempt has; commands wait for it instead of failing early. */
  private starting: Promise<void> = Promise.resolve();

  constructor(
    private readonly hooks: ServerHooks,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  start(): Promise<void> {
    this.starting = this.launchClient();
    return this.starting;
  }

  private async launchClient(): Promise<void> {
    const launch = await this.hooks.launch();
    this.output.info(`starting ${launch.python} -m kimi_lsp serve`);
    const serverOptions: ServerOptions = {
      command: launch.python,
      args: ['-m', 'kimi_lsp', 'serve'],
      options: { env: launch.env, cwd: launch.cwd },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
      outputChannel: this.output,
      // The `kimi` settings section (model, baseUrl, requestBudget...); it never holds the API key.
      synchronize: { configurationSection: 'kimi' },
      middleware: {
        provideCodeActions: async (document, range, context, token, next) => {
          const actions = await next(document, range, context, token);
          return actions?.map(routeStart);
        },
        executeCommand: (command, args, next) =>
          command === START ? this.hooks.onStartFromServer({ title: '', command, arguments: args }) : next(command, args),
      },
    };
    const client = new LanguageClient('kimi', 'Kimi Swarm', serverOptions, clientOptions);
    client.onNotification('kimi/swarmStatus', (snapshot: RunSnapshot) => this.hooks.onStatus(snapshot));
    this.client = client;
    await client.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isRunning()) {
      await client.stop();
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async executeCommand(command: string, argument: unknown): Promise<unknown> {
    return (await this.running()).sendRequest(ExecuteCommandRequest.type, { command, arguments: [argument] });
  }

  /** The server's code actions at a position, as plain commands. */
  async codeActions(uri: string, line: number, character: number): Promise<ServerCommand[]> {
    const position = { line, character };
    const result = await (await this.running()).sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: { start: position, end: position },
      context: { diagnostics: [], only: ['refactor.rewrite'] },
    });
    return (result ?? []).flatMap((item): ServerCommand[] => {
      if (typeof item.command === 'string') {
        return [item as ServerCommand];
      }
      return item.command ? [item.command as ServerCommand] : [];
    });
  }

  private async running(): Promise<LanguageClient> {
    await this.starting.catch(() => undefined);
    if (!this.client?.isRunning()) {
      throw new Error('the kimi-lsp server is not running; see the Kimi Swarm output, or set kimi.python');
    }
    return this.client;
  }
}
