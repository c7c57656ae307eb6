/**
 * Everything the extension's logic needs from VS Code and the language
 * client, as one interface: vscodeApi.ts implements it, unit tests fake it.
 */
import type { RunSnapshot } from './model';
import type { Settings } from './requests';

/** A server command as LSP carries it (from a code action or a Command). */
export interface ServerCommand {
  title: string;
  command: string;
  arguments?: unknown[];
}

export interface InputOptions {
  prompt: string;
  placeHolder?: string;
  value?: string;
  password?: boolean;
  validate?: (value: string) => string | undefined;
}

export interface CursorPosition {
  path: string;
  /** 0-based line and UTF-16 character, as LSP and VS Code count them. */
  line: number;
  character: number;
}

export interface Host {
  settings(): Settings;
  workspaceRoot(): string | undefined;
  cursor(): CursorPosition | undefined;
  askText(options: InputOptions): Promise<string | undefined>;
  pickFolder(): Promise<string | undefined>;
  pickJsonFile(): Promise<string | undefined>;
  pickRun(runs: RunSnapshot[], purpose: string): Promise<string | undefined>;
  readFile(path: string): Promise<string>;
  fileExists(path: string): Promise<boolean>;
  showInfo(message: string): void;
  showError(message: string): void;
  openFile(path: string): Promise<void>;
  openUntitled(content: string, language: string): Promise<void>;
  /** `workspace/executeCommand` with one argument; rejects with the server's message. */
  executeServerCommand(command: string, argument: unknown): Promise<unknown>;
  codeActionsAt(position: CursorPosition): Promise<ServerCommand[]>;
  storeApiKey(key: string | undefined): Promise<void>;
  restartServer(): Promise<void>;
}
