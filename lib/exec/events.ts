/**
 * The run's event stream: the small fixed set of events the executor emits while it runs a plan.
 * Every way of showing progress (the live task list, plain lines, --json-lines) is a renderer of
 * these, and library users receive them through `onEvent`. Described by
 * schemas/pgv.events.schema.json; times in milliseconds.
 */

/** A step as events name it. */
export interface EventStep {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
}

/** How a part ended. */
export type PartStatus = 'applied' | 'unchanged' | 'failed' | 'skipped';

/** The error of a failed step or part, as data (a PgvError's JSON, or an internal error's message). */
export interface EventError {
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
}

/** The run begins: the parts and the steps planned for each. */
export interface RunStarted {
  readonly type: 'run-started';
  readonly parts: ReadonlyArray<{ readonly part: string; readonly database: string; readonly steps: readonly EventStep[] }>;
}

/** A part begins (after the parts it comes after). */
export interface PartStarted {
  readonly type: 'part-started';
  readonly part: string;
  readonly database: string;
}

/**
 * The replan step of a part: under its lock the ledger was read again and the part planned again
 * with the planner its plan names (`PartPlan.replan`). Another runner may have done planned steps
 * meanwhile (`dropped`), or the database moved so that other steps are needed (`added`).
 */
export interface PartReplanned {
  readonly type: 'part-replanned';
  readonly part: string;
  readonly database: string;
  /** The version the database is at, as read under the lock. */
  readonly current: string | null;
  /** The steps that run now, in order. */
  readonly steps: readonly EventStep[];
  /** Ids of planned steps no longer needed (done meanwhile). */
  readonly dropped: readonly string[];
  /** Ids of steps that were not planned before the lock. */
  readonly added: readonly string[];
}

/** A step begins. */
export interface StepStarted {
  readonly type: 'step-started';
  readonly part: string;
  readonly step: EventStep;
}

/** A step ended: done, or failed (with its error). */
export interface StepFinished {
  readonly type: 'step-finished';
  readonly part: string;
  readonly step: EventStep;
  readonly status: 'done' | 'failed';
  readonly duration_ms: number;
  /** What the step found (a rehearsal phase: "by template", "identical"). */
  readonly detail?: string;
  readonly error?: EventError;
}

/** Something the user should know that does not stop the run. */
export interface Warning {
  readonly type: 'warning';
  readonly part?: string;
  readonly message: string;
}

/** A part ended; `not_run` lists the steps a failure left unrun, in order. */
export interface PartFinished {
  readonly type: 'part-finished';
  readonly part: string;
  readonly database: string;
  readonly status: PartStatus;
  readonly duration_ms: number;
  readonly steps_done: number;
  /** The version the database is at now, when the part ran. */
  readonly version?: string | null;
  /** Scripts `--to` left pending. */
  readonly held_by_to?: number;
  readonly not_run: readonly EventStep[];
  /** Why the part failed, or was skipped. */
  readonly error?: EventError;
}

/** The run ended. */
export interface RunFinished {
  readonly type: 'run-finished';
  readonly ok: boolean;
  readonly duration_ms: number;
}

/** One event of a run. */
export type RunEvent = RunStarted | PartStarted | PartReplanned | StepStarted | StepFinished | Warning | PartFinished | RunFinished;

/** Receives the events of a run, in order. */
export type EventSink = (event: RunEvent) => void;
