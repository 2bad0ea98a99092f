/**
 * The validated, normalized configuration: what every command downstream of the config loader
 * reads. Built by `resolveConfig` from raw files; frozen; paths absolute; substitutions done.
 */

/** libpq-style connection settings. Every field is optional: libpq defaults and PG* fill gaps. */
export interface ConnectionOptions {
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly dbname?: string;
  readonly sslmode?: string;
  readonly service?: string;
  readonly application_name?: string;
  readonly connect_timeout?: number;
  /** Where `password` was written, for messages (`${env:PROD_DB_PASSWORD}` in pgv.prod.yaml); not a libpq setting. */
  readonly passwordFrom?: string;
}

/** The project-local PostgreSQL that `server: embedded` asks for. */
export interface EmbeddedServerConfig {
  readonly mode: 'embedded';
  /** Absolute directory holding the cluster (`data/`), its socket directory and its log. */
  readonly dir: string;
  readonly port: number;
  /** Listen on 127.0.0.1 as well as the private socket. */
  readonly tcp: boolean;
  /** Extra postgresql.conf settings. */
  readonly settings: Readonly<Record<string, string>>;
}

/** The recipes pgv knows. */
export type RecipeName = 'schema' | 'deltas';

/** A schema-qualified table name. */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/** The ledger's place when a part does not set `upgrades_table`. */
export const defaultLedger: QualifiedName = Object.freeze({ schema: 'pgv', name: 'upgrades' });
/** The type of a script variable: how `%(name)s` and `:name` render it (`boolean`: a pum 1.x parameter's type). */
export type VariableType = 'int' | 'float' | 'text' | 'identifier' | 'boolean';

/** A value for placeholders in scripts, typed (a YAML number is a number, a string is text). */
export interface Variable {
  readonly type: VariableType;
  /** The value as text (a number as it is written in SQL). */
  readonly value: string;
}

/** One named part: one database and the scripts that describe it. */
export interface Part {
  readonly name: string;
  readonly recipe: RecipeName;
  /** The database (the one place that names it: `connection` has no dbname). */
  readonly dbname: string;
  /** Connection settings: config-wide defaults merged with the part's own, without the database. */
  readonly connection: ConnectionOptions;
  /** Absolute path of the schema directory (recipe schema) or delta directory (recipe deltas). */
  readonly directory: string;
  readonly upgradesTable: QualifiedName;
  /** Object kinds that `check` skips. */
  readonly ignore: readonly string[];
  readonly excludeSchemas: readonly string[];
  readonly excludeColumns: readonly string[];
  /** Create the database when it is missing. */
  readonly create: boolean;
  /** `snapshot: before-apply` (or true): take a snapshot before apply runs scripts; revert on failure. */
  readonly snapshot: boolean;
  /** How many of apply's guard snapshots to keep (`snapshot: {mode: before-apply, keep: N}`); unset: the guard's default. */
  readonly snapshotKeep?: number;
  /** Parts that must be applied before this one. */
  readonly after: readonly string[];
  /** Glob patterns of files in the delta directory that are not deltas. */
  readonly ignoreFiles: readonly string[];
  /** Values for placeholders in scripts (`:'name'` as a literal, `:"name"` as an identifier, `:name` and `%(name)s` by type). */
  readonly variables: Readonly<Record<string, Variable>>;
  /** Also fill pum 0.x's `%(name)s` placeholders (and read `%%` as `%`). */
  readonly pumPlaceholders: boolean;
  /** Recipe deltas: SQL files that build the reference schema for `check` (absolute paths, in order). */
  readonly reference: readonly string[];
  /** `lock_timeout` for the DDL a script runs, in milliseconds (0: none). */
  readonly ddlLockTimeoutMs: number;
  /** The Python interpreter for the part's Python hooks (preconditionN.py, pum .py deltas), if named. */
  readonly python?: string;
  /** How long one Python hook may run, in milliseconds. */
  readonly hookTimeoutMs: number;
  /** Retries of a transactional script that hits ddl_lock_timeout (absent: enough to cover 10 s of blocking). */
  readonly ddlLockRetries?: number;
  /** Lint rules and levels, and the trace's lock policy (`lint:`); absent: the defaults. */
  readonly lint?: LintOptions;
}

/** A lint rule's level as configured: `off` silences it. */
export type LintRuleSetting = 'error' | 'warning' | 'off';

/** A part's `lint:` option, normalized. */
export interface LintOptions {
  /** Every rule at this level, unless `rules` names it (omitted: each rule's own default). */
  readonly level?: LintRuleSetting;
  /** Levels by rule id. */
  readonly rules: Readonly<Record<string, LintRuleSetting>>;
  /** Trace policy: the longest a lock may be held until commit, in milliseconds, by mode (`access_exclusive`, `exclusive`, `share_row_exclusive`, `share`). */
  readonly maxLockMs: Readonly<Record<string, number>>;
}

/** A loaded, validated configuration. */
export interface Config {
  /** The config file given or found. */
  readonly file: string;
  /** Every file read, the given one last (extends first). */
  readonly files: readonly string[];
  /** Directory of `file`: relative paths resolve against it. */
  readonly root: string;
  readonly server: EmbeddedServerConfig | null;
  readonly connection: ConnectionOptions;
  /** Parts in the order the config declares them. */
  readonly parts: readonly Part[];
  /** Things the user should fix that do not stop pgv (a readable file holding a password); cli.ts prints them. */
  readonly warnings: readonly string[];
}
