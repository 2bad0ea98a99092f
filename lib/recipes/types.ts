/** What recipes produce: the ordered scripts of a part, read and checksummed. */
import type { QualifiedName } from '../config/types.js';
import type { PreparedScript } from '../sql/script.js';

/** The kind of a script file, also written in its ledger row (pgv adds baseline and accept rows). */
export type ScriptKind = 'init' | 'update' | 'delta' | 'pre' | 'post' | 'pre-all' | 'post-all';

/** One SQL script file of a part. */
export interface Script {
  /** File name inside the part's directory (`update3.sql`). */
  readonly name: string;
  readonly path: string;
  /** The version it brings the database to, as text (`3`, `1.2.10`). */
  readonly version: string;
  readonly kind: ScriptKind;
  /** sha256 of the file's bytes, hex. */
  readonly checksum: string;
  /** md5 of the file's bytes, hex: what a pum 0.x ledger records. */
  readonly md5: string;
  /** The description in a delta's name (`delta_1.2.0_add_roles.sql` → `add_roles`). */
  readonly description?: string;
  /** `python` for a pum DeltaPy file (`.py`): run by lib/hooks, not sent as SQL (`prepared` is empty). */
  readonly language?: 'python';
  readonly prepared: PreparedScript;
}

/** A precondition guarding one update. */
export interface Precondition {
  readonly name: string;
  readonly path: string;
  readonly version: string;
  /** `python`: gocept.rdbmanagement's preconditionN.py, `precondition(connection)` run by lib/hooks. */
  readonly language: 'sql' | 'js' | 'python';
  /** SQL text for `sql` preconditions. */
  readonly text?: string;
}

/** Every script of a part in the order it would run from an empty database. */
export interface ScriptSet {
  readonly directory: string;
  readonly init?: Script;
  /** Updates (or deltas: pre, main and post of each version) in the order they run. */
  readonly updates: readonly Script[];
  /** Deltas: run before and after every upgrade that applies at least one delta; not recorded. */
  readonly preAll?: Script;
  readonly postAll?: Script;
  readonly preconditions: ReadonlyMap<string, Precondition>;
  /** The highest version any script reaches; null when there is none. */
  readonly latest: string | null;
  /** A pum 1.x module (recipes/pum-module.ts): the table pum records its version in. */
  readonly pumModule?: { readonly migrationTable: QualifiedName };
}
