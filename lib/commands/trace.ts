/**
 * `pgv trace PART`: rehearse on a copy of production with the scripts run one statement at a
 * time, report what each locked and rewrote, and stop (production untouched, the copy dropped).
 * `pgv test-and-upgrade --trace` does the same and goes on. The part's `lint.max_lock_ms` policy
 * fails either with exit 1 before production is touched.
 */
import { testAndUpgradeCommand } from './test-and-upgrade.js';
import type { CopyMethod } from '../rehearse/rehearse.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv trace`. */
export interface TraceArgs {
  readonly part: string;
  readonly copy: CopyMethod;
  readonly keep: boolean;
  /** `--format markdown`: the trace as a table. */
  readonly format?: 'text' | 'markdown';
}

/** Run `pgv trace PART`. */
export function traceCommand(g: Globals, args: TraceArgs): Promise<CommandResult> {
  return testAndUpgradeCommand(g, { ...args, lockTimeoutMs: 60_000, trace: true, traceOnly: true });
}
