/** A plan is data: what `pgv apply` would do, step by step, and why. */
import type { QualifiedName } from '../config/types.js';
import type { ScriptKind } from '../recipes/types.js';

/** One row of a part's ledger (its upgrades table), as pgv reads it. */
export interface LedgerRow {
  readonly id: number;
  readonly version: string;
  readonly script: string;
  /** init, update, delta; baseline and accept for rows that record a decision, not a script. */
  readonly kind: string;
  readonly checksum: string | null;
  readonly installedBy: string;
  readonly installedAt: string;
  readonly durationMs: number | null;
  readonly success: boolean;
  readonly pgvVersion: string | null;
  /** A pum 0.x table's `type` code, as written (db/pum-types.ts decodes it). */
  readonly pumType?: number;
  /** A pum 0.x table's `description` (the delta's description, `baseline` for a baseline). */
  readonly description?: string;
  /** A pum 0.x table: the row records a Python delta (its type says so). */
  readonly python?: boolean;
  /** A `-- pgv:no-transaction` script that failed or was cancelled: which statement (pgv's ledger from format 2). */
  readonly failure?: LedgerFailure;
}

/** Where a script run outside a transaction failed or was cancelled, as its ledger row records it (column `failure`). */
export interface LedgerFailure {
  /** The failing (or cancelled) statement, counted from 1. */
  readonly statement: number;
  /** How many statements the script has. */
  readonly statements: number;
  /** How many completed before it (and stay applied): statement - 1. */
  readonly completed: number;
  /** The line of the failing statement's first token in the file. */
  readonly line: number;
  /** The statement, white space collapsed, at most 200 characters. */
  readonly text: string;
  /** The server's message and SQLSTATE (for a cancel: pgv's words, and 57014 when the server cancelled it). */
  readonly error: string;
  readonly sqlstate: string;
  /** pgv was interrupted (Ctrl-C, SIGTERM, the caller's signal) and cancelled the statement: nothing failed. */
  readonly interrupted?: boolean;
}

/** What the planner knows of a part's database (read by db/observe.ts). */
export interface ObservedPart {
  readonly exists: boolean;
  /** server_version_num, when the database exists. */
  readonly serverVersion?: number;
  readonly ledger: {
    readonly exists: boolean;
    /** `pgv` (pgv's own table) or `pum` (a pum 0.x upgrades table, adopted as it is). */
    readonly style: 'pgv' | 'pum';
    readonly format: number | null;
    /** A pum table: the generation of `type` codes it holds, which pgv writes too (db/pum-types.ts). */
    readonly pumCodes?: 'flags' | 'legacy';
    /** Every row, oldest first. */
    readonly rows: readonly LedgerRow[];
    /** The table has the `failure` column (pgv's ledger, format 2 or later). */
    readonly failures?: boolean;
  };
  /** Tables outside system schemas and extensions, not counting the ledger. */
  readonly userTables: number;
}

interface StepBase {
  /** Stable within a plan: `PART:kind:script`. */
  readonly id: string;
  readonly title: string;
  /** Why the step is needed. */
  readonly reason: string;
}

/** CREATE DATABASE (the part has `create: true`). */
export interface CreateDatabaseStep extends StepBase {
  readonly kind: 'create-database';
  readonly database: string;
}

/** Create the ledger table (and its schema). */
export interface CreateLedgerStep extends StepBase {
  readonly kind: 'create-ledger';
  /** The ledger the executor creates. */
  readonly table: QualifiedName;
}

/** Ask a precondition whether an update may run. */
export interface PreconditionStep extends StepBase {
  readonly kind: 'precondition';
  readonly script: string;
  readonly version: string;
}

/** Run one script and record it in the ledger, atomically unless it says otherwise. */
export interface RunScriptStep extends StepBase {
  readonly kind: 'run-script';
  readonly script: string;
  readonly version: string;
  readonly scriptKind: ScriptKind;
  /** Run in one transaction with its ledger row (false: `-- pgv:no-transaction`). */
  readonly transactional: boolean;
  /** sha256 of the script as planned: the executor runs it only if the file still has it. */
  readonly checksum: string;
  /** The ledger its row goes to (none for a delta directory's pre-all.sql). */
  readonly ledger: QualifiedName;
}

/** Accept the new content of an applied script (`--accept-changed`): a ledger row, nothing run. */
export interface AcceptScriptStep extends StepBase {
  readonly kind: 'accept-script';
  readonly script: string;
  readonly version: string;
  /** The checksum of the file as it is now. */
  readonly checksum: string;
  readonly ledger: QualifiedName;
}

/** Record a version as applied without running anything (`pgv baseline`). */
export interface BaselineStep extends StepBase {
  readonly kind: 'baseline';
  readonly version: string;
  readonly ledger: QualifiedName;
  /** What it settles, in words: a `-- pgv:no-transaction` script that failed or never finished. */
  readonly settles?: string;
}

/** One step of a plan. */
export type Step = CreateDatabaseStep | CreateLedgerStep | AcceptScriptStep | BaselineStep | PreconditionStep | RunScriptStep;

/** An applied script whose file has changed (or vanished) since. */
export interface ChangedScript {
  readonly version: string;
  readonly script: string;
  readonly change: 'modified' | 'missing';
  /** The file as it is now (a modified script): for messages. */
  readonly path?: string;
}

/** The plan of one part. */
export interface PartPlan {
  readonly name: string;
  /** The part's database: the one the executor connects to (and creates, with a create-database step). */
  readonly database: string;
  readonly recipe: string;
  /** The part's ledger, read again under the lock before the steps run. */
  readonly ledger: QualifiedName;
  /** The version the database is at (null: not initialised). */
  readonly current: string | null;
  /** The version it will be at after the plan. */
  readonly target: string | null;
  readonly steps: readonly Step[];
  readonly changed: readonly ChangedScript[];
  /** Parts that must finish first. */
  readonly after: readonly string[];
  /** Scripts left pending by `--to` (set only when `--to` holds some back). */
  readonly heldByTo?: number;
  /** How the executor plans the part again once it holds the lock (plan/replan.ts). */
  readonly replan: Replan;
  /** A fleet part whose database could not be observed (its server is down): apply fails it, without steps, and goes on with the others. */
  readonly unreachable?: { readonly code: string; readonly message: string; readonly hint?: string };
}

/** A recipe planner's plan of a part; planPart adds how to plan it again under the lock. */
export type RecipePlan = Omit<PartPlan, 'replan'>;

/**
 * The run's replan step: under the part's lock the executor reads the ledger again and plans with
 * this planner and these wishes (another runner may have done some or all of the work meanwhile).
 */
export type Replan =
  | { readonly planner: 'apply'; readonly accept: readonly string[]; readonly to?: string }
  | { readonly planner: 'baseline'; readonly version: string }
  /** A reference built from a deltas part's `reference:` files (plan-reference.ts). */
  | { readonly planner: 'reference' }
  /** A saved plan (`apply --plan`): verified under the lock that nothing moved, then run as saved. */
  | { readonly planner: 'saved' };

/** The plan of a run: parts in an order that respects `after`. */
export interface Plan {
  readonly parts: readonly PartPlan[];
}
