/**
 * The Kimi Swarm view's model, built from `kimi/swarmStatus` snapshots.
 *
 * Pure data and functions (no VS Code import) so the tree, its labels and
 * icons are unit-tested; vscodeApi.ts turns nodes into TreeItems.
 */

/** Model agents' counters, on a run (summed) and on each group. */
export interface ModelStats {
  steps?: number;
  toolCalls?: number;
  tokensIn?: number;
  tokensOut?: number;
  requests?: number;
  retries?: number;
}

export interface GroupSnapshot {
  id: string;
  status: string;
  files: string[];
  after?: string[];
  agent?: number | null;
  attempts?: number;
  elapsed?: number;
  error?: string | null;
  model?: ModelStats;
  /** A unified diff of the group's changes, when the server sends one. */
  diff?: string;
}

export interface RunSnapshot {
  runId: string;
  refactor: string;
  status: string;
  phase: string;
  message?: string | null;
  elapsed?: number;
  agents?: number;
  totals?: Record<string, number>;
  groups?: GroupSnapshot[];
  delivery?: string;
  model?: ModelStats;
}

/** What clicking a node does. */
export type NodeAction =
  | { kind: 'openGroup'; runId: string; groupId: string }
  | { kind: 'openFile'; path: string };

export interface TreeNode {
  id: string;
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id, and the theme color it is drawn in. */
  icon: { id: string; color?: string };
  /** For `view/item/context` menus: `run.<status>`, `group.<status>` or `file`. */
  contextValue: string;
  action?: NodeAction;
  children: TreeNode[];
}

const STATE_ICONS: Record<string, { id: string; color?: string }> = {
  queued: { id: 'circle-outline' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  retrying: { id: 'debug-restart', color: 'charts.yellow' },
  ok: { id: 'pass', color: 'testing.iconPassed' },
  partial: { id: 'warning', color: 'charts.yellow' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  skipped: { id: 'circle-slash' },
  cancelled: { id: 'stop-circle' },
};

export function stateIcon(status: string): { id: string; color?: string } {
  return STATE_ICONS[status] ?? { id: 'question' };
}

/** Seconds as people read them: 0.4s, 12s, 3m05s. */
export function formatSeconds(seconds: number | undefined): string {
  const s = seconds ?? 0;
  if (s < 10) {
    return `${s.toFixed(1)}s`;
  }
  if (s < 60) {
    return `${Math.round(s)}s`;
  }
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
}

/** Token counts as people read them: 950, 12.3k, 4.1M. */
export function formatCount(n: number): string {
  if (n < 1000) {
    return String(n);
  }
  if (n < 1_000_000) {
    return `${(n / 1000).toFixed(1)}k`;
  }
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function modelSummary(model: ModelStats | undefined): string[] {
  if (!model) {
    return [];
  }
  const tokens = (model.tokensIn ?? 0) + (model.tokensOut ?? 0);
  return [`${formatCount(tokens)} tokens`, `${model.requests ?? 0} requests`];
}

/** Groups that have finished, whatever their outcome. */
export function finishedGroups(run: RunSnapshot): number {
  return (run.groups ?? []).filter((g) => !['queued', 'running', 'retrying'].includes(g.status)).length;
}

export function runDescription(run: RunSnapshot): string {
  const groups = run.groups ?? [];
  const parts = [run.phase === 'done' ? run.status : run.phase];
  if (groups.length || run.phase !== 'planning') {
    parts.push(`${finishedGroups(run)}/${groups.length} groups`);
  }
  parts.push(formatSeconds(run.elapsed));
  if (run.agents) {
    parts.push(`${run.agents} agents`);
  }
  parts.push(...modelSummary(run.model));
  const failed = groups.filter((g) => g.status === 'failed').length;
  if (failed) {
    parts.push(`${failed} failed`);
  }
  return parts.join(' · ');
}

function runTooltip(run: RunSnapshot): string {
  const lines = [`${run.refactor} ${run.runId}: ${run.status} (${run.phase})`];
  if (run.message) {
    lines.push(run.message);
  }
  if (run.delivery && run.delivery !== 'pending') {
    lines.push(`edit: ${run.delivery}`);
  }
  return lines.join('\n');
}

function groupNode(run: RunSnapshot, group: GroupSnapshot): TreeNode {
  const parts = [group.status, formatSeconds(group.elapsed)];
  if (group.agent) {
    parts.push(`agent ${group.agent}`);
  }
  if ((group.attempts ?? 0) > 1) {
    parts.push(`attempt ${group.attempts}`);
  }
  parts.push(...modelSummary(group.model));
  if (group.error) {
    parts.push(group.error);
  }
  const tooltip = [`${group.id}: ${group.files.join(', ')}`];
  if (group.after?.length) {
    tooltip.push(`after ${group.after.join(', ')}`);
  }
  if (group.error) {
    tooltip.push(`error: ${group.error}`);
  }
  return {
    id: `${run.runId}/${group.id}`,
    label: group.files.length === 1 ? `${group.id} ${group.files[0]}` : `${group.id} (${group.files.length} files)`,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    icon: stateIcon(group.status),
    contextValue: `group.${group.status}`,
    action: { kind: 'openGroup', runId: run.runId, groupId: group.id },
    children: group.files.map((path) => ({
      id: `${run.runId}/${group.id}/${path}`,
      label: path,
      description: '',
      tooltip: path,
      icon: { id: 'file' },
      contextValue: 'file',
      action: { kind: 'openFile', path },
      children: [],
    })),
  };
}

/** The tree for every run, newest first. */
export function buildTree(runs: RunSnapshot[]): TreeNode[] {
  return [...runs].reverse().map((run) => ({
    id: run.runId,
    label: `${run.refactor} ${run.runId}`,
    description: runDescription(run),
    tooltip: runTooltip(run),
    icon: stateIcon(run.phase === 'done' ? run.status : 'running'),
    contextValue: `run.${run.phase === 'done' ? run.status : 'running'}`,
    children: (run.groups ?? []).map((group) => groupNode(run, group)),
  }));
}

/** The status bar text for a run, with a spinner while it goes. */
export function statusBarText(run: RunSnapshot): string {
  const icon = run.phase === 'done' ? stateIcon(run.status).id : 'sync~spin';
  const groups = run.groups ?? [];
  const progress = run.phase === 'done' || groups.length === 0 ? (run.phase === 'done' ? run.status : run.phase) : `${run.phase} ${finishedGroups(run)}/${groups.length}`;
  return `$(${icon}) Kimi: ${run.refactor} ${progress}`;
}

/** Progress as a fraction of groups finished, for the notification's bar. */
export function progressPercent(run: RunSnapshot): number {
  const groups = run.groups ?? [];
  return groups.length ? Math.round((100 * finishedGroups(run)) / groups.length) : 0;
}

/**
 * Every run's latest snapshot, in the order runs were first seen. Snapshots
 * are complete, so the newest simply replaces the last.
 */
export class RunStore {
  private readonly runs = new Map<string, RunSnapshot>();

  update(snapshot: RunSnapshot): { started: boolean; finished: boolean } {
    const previous = this.runs.get(snapshot.runId);
    this.runs.set(snapshot.runId, snapshot);
    return {
      started: previous === undefined,
      finished: snapshot.phase === 'done' && previous?.phase !== 'done',
    };
  }

  get(runId: string): RunSnapshot | undefined {
    return this.runs.get(runId);
  }

  all(): RunSnapshot[] {
    return [...this.runs.values()];
  }

  /** The run a command without a run id means: the newest still going, else the newest. */
  current(): RunSnapshot | undefined {
    const runs = this.all().reverse();
    return runs.find((r) => r.phase !== 'done') ?? runs[0];
  }

  group(runId: string, groupId: string): GroupSnapshot | undefined {
    return this.runs.get(runId)?.groups?.find((g) => g.id === groupId);
  }
}
