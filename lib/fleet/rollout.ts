/**
 * A fleet's rollout as a schedule for the executor: the `rollout:` groups in order, each part in
 * the first group whose `match` fits its database name, the parts no group matches in a last
 * group; and per part its server and how many sessions it holds open at once. Pure.
 */
import type { Part, RolloutGroup } from '../config/types.js';
import { PgvError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import type { ScriptSet } from '../recipes/types.js';
import { globToRegExp } from '../util/glob.js';

/** One group of the schedule: its parts run (as `after` allows) before the next group starts. */
export interface ScheduleGroup {
  /** For messages: `rollout group 1 (tenant_0*)`, or `the parts no rollout group matches`. */
  readonly label: string;
  /** Part names, in plan order. */
  readonly parts: readonly string[];
  readonly concurrency: number;
  /** Sessions pgv may hold on one server at once (absent: no limit). */
  readonly perServer?: number;
  /** stop: a failure stops the run (parts not started are not run); continue: the others go on. */
  readonly onError: 'stop' | 'continue';
}

/** What the executor needs to run a plan group by group within each server's limit. */
export interface Schedule {
  readonly groups: readonly ScheduleGroup[];
  /** The server of each fleet part (parts without one count against no server's limit). */
  readonly serverOf: ReadonlyMap<string, string>;
  /** Sessions each part holds open at once while it runs (1, or 2 with a Python hook). */
  readonly sessionsOf: ReadonlyMap<string, number>;
  /** Groups that match no part of the run. */
  readonly warnings: readonly string[];
}

/**
 * Sessions one part's apply holds open at once: its lock-and-work session (the database is
 * created, and the ledger read, before or on it, never beside it), plus the session of a Python
 * hook, which runs in its own process while the part's session holds the lock.
 */
export function sessionsOf(scripts: ScriptSet): number {
  const python = [...scripts.updates, ...(scripts.preAll ? [scripts.preAll] : []), ...(scripts.postAll ? [scripts.postAll] : [])].some((s) => s.language === 'python') || [...scripts.preconditions.values()].some((p) => p.language === 'python');
  return python ? 2 : 1;
}

/**
 * The schedule of a plan. Without `rollout:` it is one group of every part, `concurrency` at
 * once, a failure stopping only the parts that come after it (as pgv always ran). A part that
 * comes `after` a part of a later group moves to that group: it cannot run before it.
 */
export function rolloutSchedule(plan: Plan, parts: ReadonlyMap<string, { readonly part: Part; readonly scripts: ScriptSet }>, rollout: readonly RolloutGroup[], concurrency: number): Schedule {
  const serverOf = new Map<string, string>();
  const sessions = new Map<string, number>();
  for (const p of plan.parts) {
    const input = parts.get(p.name);
    if (input?.part.server !== undefined) serverOf.set(p.name, input.part.server);
    sessions.set(p.name, input ? sessionsOf(input.scripts) : 1);
  }
  const matchers = rollout.map((g) => globToRegExp(g.match));
  const last = rollout.length;
  const groupOf = new Map<string, number>();
  for (const p of plan.parts) {
    const k = matchers.findIndex((m) => m.test(p.database));
    // Plan order puts what a part comes after first: its group is known already.
    const after = Math.max(-1, ...p.after.map((d) => groupOf.get(d) ?? -1));
    groupOf.set(p.name, Math.max(k < 0 ? last : k, after));
  }
  const groups: ScheduleGroup[] = [];
  const warnings: string[] = [];
  for (let k = 0; k <= last; k++) {
    const members = plan.parts.filter((p) => groupOf.get(p.name) === k).map((p) => p.name);
    const g = rollout[k];
    const label = g ? `rollout group ${k + 1} (match ${g.match})` : 'the parts no rollout group matches';
    if (g && members.length === 0) warnings.push(`${where(g)}: ${label} matches no database of this run`);
    if (members.length === 0) continue;
    if (g?.perServer !== undefined) {
      const needy = members.find((m) => (sessions.get(m) ?? 1) > g.perServer!);
      if (needy !== undefined) {
        throw new PgvError('config_invalid', `${where(g)}: ${label}: per_server ${g.perServer} is less than the ${sessions.get(needy)} sessions part ${needy} holds open at once`, {
          hint: `A part with a Python hook holds its own session and the hook's: set per_server to at least ${sessions.get(needy)}.`,
          data: { file: g.location.file, ...(g.location.line ? { line: g.location.line } : {}), part: needy },
        });
      }
    }
    groups.push({ label, parts: members, concurrency: g?.concurrency ?? concurrency, ...(g?.perServer !== undefined ? { perServer: g.perServer } : {}), onError: g ? g.onError : 'continue' });
  }
  return { groups, serverOf, sessionsOf: sessions, warnings };
}

function where(g: RolloutGroup): string {
  return `${g.location.file}${g.location.line ? `:${g.location.line}` : ''}`;
}
