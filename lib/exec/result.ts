/** What a run did, as data: every step's outcome, so a partial run is reported exactly. */
import type { Step } from '../plan/types.js';

/** The outcome of one step. */
export interface StepResult {
  readonly step: Step;
  readonly status: 'done' | 'failed' | 'not-run';
  readonly durationMs: number;
  /** The error's message, for a failed step. */
  readonly message?: string;
}

/** The outcome of one part. */
export interface PartResult {
  readonly name: string;
  readonly database: string;
  readonly status: 'applied' | 'unchanged' | 'failed' | 'skipped';
  readonly steps: readonly StepResult[];
  readonly durationMs: number;
  /** The error that stopped the part (a PgvError's JSON, or an internal error's message). */
  readonly error?: unknown;
  /** The version the part is at after the run, as planned under the lock (when it ran to the end). */
  readonly version?: string | null;
  /** Scripts `--to` left pending. */
  readonly heldByTo?: number;
}

/** The outcome of `pgv apply`. */
export interface RunResult {
  readonly ok: boolean;
  readonly parts: readonly PartResult[];
  readonly durationMs: number;
}
