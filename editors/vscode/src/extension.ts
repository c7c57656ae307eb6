/**
 * Entry point: wires the controller (what commands do), the language server
 * and the Kimi Swarm view together, and registers the commands.
 */
import type * as vscode from 'vscode';
import { Controller, type RunVerb } from './controller';
import type { ServerCommand } from './host';
import { CODE_ACTION_COMMAND, KimiServer } from './languageServer';
import { RunStore } from './model';
import { createLog, onSettingsChanged, registerCommand, runIdOf, serverLaunch, showError, SwarmView, VsCodeHost } from './vscodeApi';

let server: KimiServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = createLog();
  const store = new RunStore();
  const host = new VsCodeHost(context.secrets);
  const controller = new Controller(host, store);
  const view = new SwarmView(
    store,
    (runId) => void controller.runCommand('cancel', runId),
    (runId) => void controller.runCommand('retry', runId),
  );
  server = new KimiServer(
    {
      launch: () => serverLaunch(context.secrets),
      onStatus: (snapshot) => view.onStatus(snapshot),
      onStartFromServer: (command) => controller.runCodeAction(command),
    },
    log,
  );
  host.server = server;
  context.subscriptions.push(log, view);

  registerCommand(context, 'kimi.convertWorkspace', () => controller.convertWorkspace());
  registerCommand(context, 'kimi.convertFolder', (uri?: vscode.Uri) => controller.convertFolder(uri?.fsPath));
  registerCommand(context, 'kimi.renameSymbol', () => controller.renameSymbol());
  registerCommand(context, 'kimi.bulkRename', (uri?: vscode.Uri) => controller.bulkRename(uri?.fsPath));
  registerCommand(context, 'kimi.instruct', (uri?: vscode.Uri, uris?: vscode.Uri[]) =>
    controller.instruct(uris?.length ? uris.map((u) => u.fsPath) : uri ? [uri.fsPath] : undefined),
  );
  registerCommand(context, 'kimi.showPlan', () => controller.showPlan());
  const verbs: Record<string, RunVerb> = {
    'kimi.cancelRun': 'cancel',
    'kimi.applyRun': 'apply',
    'kimi.discardRun': 'discard',
    'kimi.retryRun': 'retry',
    'kimi.undoRun': 'undo',
  };
  for (const [id, verb] of Object.entries(verbs)) {
    registerCommand(context, id, (node?: unknown) => controller.runCommand(verb, runIdOf(node)));
  }
  registerCommand(context, 'kimi.setApiKey', () => controller.setApiKey());
  registerCommand(context, 'kimi.restartServer', () => server?.restart());
  registerCommand(context, 'kimi.openGroup', (runId: string, groupId: string) => controller.openGroup(runId, groupId));
  registerCommand(context, 'kimi.openFile', (path: string) => controller.openFile(path));
  registerCommand(context, CODE_ACTION_COMMAND, (command: ServerCommand) => controller.runCodeAction(command));
  onSettingsChanged(context, () => void server?.restart().catch((err) => showError(`Kimi: restart failed: ${err.message}`)));

  try {
    await server.start();
  } catch (err) {
    showError(`Kimi: could not start kimi-lsp (${(err as Error).message}); install it in the interpreter set in kimi.python`);
  }
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
