/**
 * The only module that calls the VS Code API: the Host the controller uses,
 * the Kimi Swarm tree view, the status bar item and the run notifications.
 */
import * as vscode from 'vscode';
import type { CursorPosition, Host, InputOptions, ServerCommand } from './host';
import type { KimiServer, ServerLaunch } from './languageServer';
import { buildTree, progressPercent, runDescription, statusBarText, type RunSnapshot, type RunStore, type TreeNode } from './model';
import { serverEnvironment, type Settings } from './requests';

const API_KEY_SECRET = 'kimi.apiKey';
export const VIEW_ID = 'kimiSwarm.runs';

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration('kimi');
  return {
    python: config.get<string>('python', ''),
    baseUrl: config.get<string>('baseUrl', ''),
    model: config.get<string>('model', ''),
    maxAgents: config.get<number>('maxAgents', 8),
    requestBudget: config.get<number>('requestBudget', 0),
    previewEdits: config.get<boolean>('previewEdits', false),
  };
}

/**
 * Only the interpreter needs a new server process: the other settings reach
 * the running server as `workspace/didChangeConfiguration` or are read per run.
 */
export function affectsServerProcess(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration('kimi.python');
}

/** The Python extension's interpreter for the workspace, when that extension is installed. */
async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension('ms-python.python');
  if (!extension) {
    return undefined;
  }
  try {
    const api = await extension.activate();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return api?.environments?.getActiveEnvironmentPath(folder)?.path;
  } catch {
    return undefined;
  }
}

/** How to start kimi-lsp: interpreter from settings or the Python extension, key from secret storage. */
export async function serverLaunch(secrets: vscode.SecretStorage): Promise<ServerLaunch> {
  const settings = readSettings();
  const python = settings.python || (await pythonExtensionInterpreter()) || 'python3';
  const apiKey = await secrets.get(API_KEY_SECRET);
  return {
    python,
    env: serverEnvironment(process.env, apiKey),
    cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
  };
}

export class VsCodeHost implements Host {
  server: KimiServer | undefined;

  constructor(private readonly secrets: vscode.SecretStorage) {}

  settings(): Settings {
    return readSettings();
  }

  workspaceRoot(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  cursor(): CursorPosition | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.uri.scheme !== 'file') {
      return undefined;
    }
    const { line, character } = editor.selection.active;
    return { path: editor.document.uri.fsPath, line, character };
  }

  askText(options: InputOptions): Promise<string | undefined> {
    return Promise.resolve(
      vscode.window.showInputBox({
        prompt: options.prompt,
        placeHolder: options.placeHolder,
        value: options.value,
        password: options.password,
        ignoreFocusOut: true,
        validateInput: options.validate,
      }),
    );
  }

  async pickFolder(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      openLabel: 'Convert to TypeScript',
    });
    return picked?.[0]?.fsPath;
  }

  async pickJsonFile(): Promise<string | undefined> {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true,
      filters: { 'Rename mapping': ['json'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
      openLabel: 'Rename',
    });
    return picked?.[0]?.fsPath;
  }

  async pickRun(runs: RunSnapshot[], purpose: string): Promise<string | undefined> {
    const picked = await vscode.window.showQuickPick(
      runs.map((run) => ({ label: `${run.refactor} ${run.runId}`, description: runDescription(run), runId: run.runId })),
      { placeHolder: `Run to ${purpose}` },
    );
    return picked?.runId;
  }

  async readFile(path: string): Promise<string> {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(path)));
  }

  async fileExists(path: string): Promise<boolean> {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.file(path));
      return true;
    } catch {
      return false;
    }
  }

  showInfo(message: string): void {
    void vscode.window.showInformationMessage(message);
  }

  showError(message: string): void {
    void vscode.window.showErrorMessage(message);
  }

  async openFile(path: string): Promise<void> {
    await vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false });
  }

  async openUntitled(content: string, language: string): Promise<void> {
    const document = await vscode.workspace.openTextDocument({ content, language });
    await vscode.window.showTextDocument(document, { preview: true });
  }

  executeServerCommand(command: string, argument: unknown): Promise<unknown> {
    return this.requireServer().executeCommand(command, argument);
  }

  codeActionsAt(position: CursorPosition): Promise<ServerCommand[]> {
    return this.requireServer().codeActions(vscode.Uri.file(position.path).toString(), position.line, position.character);
  }

  async storeApiKey(key: string | undefined): Promise<void> {
    await (key ? this.secrets.store(API_KEY_SECRET, key) : this.secrets.delete(API_KEY_SECRET));
  }

  async restartServer(): Promise<void> {
    await this.requireServer().restart();
  }

  private requireServer(): KimiServer {
    if (!this.server) {
      throw new Error('the kimi-lsp server has not started yet');
    }
    return this.server;
  }
}

class SwarmTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: RunStore) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node ? node.children : buildTree(this.store.all());
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    // Runs start expanded even before their groups are planned, so groups show up as they arrive.
    const state = node.contextValue.startsWith('run.')
      ? vscode.TreeItemCollapsibleState.Expanded
      : node.children.length
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    item.tooltip = node.tooltip;
    item.contextValue = node.contextValue;
    item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color ? new vscode.ThemeColor(node.icon.color) : undefined);
    if (node.action?.kind === 'openGroup') {
      item.command = { title: 'Open Group Changes', command: 'kimi.openGroup', arguments: [node.action.runId, node.action.groupId] };
    } else if (node.action?.kind === 'openFile') {
      item.command = { title: 'Open File', command: 'kimi.openFile', arguments: [node.action.path] };
    }
    return item;
  }
}

/** The run id a view item stands for, when a command is run from its context menu. */
export function runIdOf(node: unknown): string | undefined {
  return typeof node === 'object' && node !== null && 'id' in node && typeof node.id === 'string' && !node.id.includes('/')
    ? node.id
    : undefined;
}

/**
 * Renders kimi/swarmStatus snapshots: the tree view, the status bar item, a
 * notification with Cancel while each run goes, and a message when it ends.
 */
export class SwarmView implements vscode.Disposable {
  private readonly tree: SwarmTreeProvider;
  private readonly statusBar = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  private readonly progress = new Map<string, (snapshot: RunSnapshot) => void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly store: RunStore,
    private readonly cancel: (runId: string) => void,
    private readonly retry: (runId: string) => void,
  ) {
    this.tree = new SwarmTreeProvider(store);
    this.disposables.push(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true }), this.statusBar);
    this.statusBar.command = `${VIEW_ID}.focus`;
    this.statusBar.name = 'Kimi Swarm';
  }

  onStatus(snapshot: RunSnapshot): void {
    const { started, finished } = this.store.update(snapshot);
    if (started && snapshot.phase !== 'done') {
      this.showProgressNotification(snapshot);
    }
    this.progress.get(snapshot.runId)?.(snapshot);
    if (finished) {
      this.announce(snapshot);
    }
    this.tree.refresh();
    const current = this.store.current();
    if (current) {
      this.statusBar.text = statusBarText(current);
      this.statusBar.tooltip = `${current.refactor} ${current.runId}: ${runDescription(current)}`;
      this.statusBar.show();
    }
  }

  private showProgressNotification(first: RunSnapshot): void {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Kimi swarm: ${first.refactor}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          let reported = 0;
          token.onCancellationRequested(() => this.cancel(first.runId));
          this.progress.set(first.runId, (snapshot) => {
            const percent = progressPercent(snapshot);
            progress.report({ message: runDescription(snapshot), increment: Math.max(0, percent - reported) });
            reported = Math.max(reported, percent);
            if (snapshot.phase === 'done') {
              this.progress.delete(first.runId);
              resolve();
            }
          });
        }),
    );
  }

  private announce(run: RunSnapshot): void {
    const text = `Kimi swarm ${run.refactor} ${run.status}: ${run.message ?? run.delivery ?? ''}`.trim();
    if (run.status === 'ok') {
      void vscode.window.showInformationMessage(text);
      return;
    }
    void vscode.window.showWarningMessage(text, 'Retry Failed Groups').then((choice) => {
      if (choice) {
        this.retry(run.runId);
      }
    });
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}

export function registerCommand(context: vscode.ExtensionContext, id: string, run: (...args: any[]) => unknown): void {
  context.subscriptions.push(vscode.commands.registerCommand(id, run));
}

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Kimi Swarm', { log: true });
}

export function onSettingsChanged(context: vscode.ExtensionContext, restart: () => void): void {
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsServerProcess(event)) {
        restart();
      }
    }),
  );
}

export function showError(message: string): void {
  void vscode.window.showErrorMessage(message);
}

