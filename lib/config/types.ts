/**
 * The validated, normalized configuration: what every command downstream of the config loader
 * reads. Built by `resolveConfig` from raw files; frozen; paths absolute; substitutions done.
 */
import type { PgvError } from '../errors.js';

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
  /** The `servers:` name this part's database is on (a part expanded from a `for_each` template). */
  readonly server?: string;
  /** The `for_each` part (template) this part was expanded from; its name is `TEMPLATE/SERVER/DBNAME`. */
  readonly template?: string;
  /**
   * Set on the one part that stands for a server whose `for_each` query could not run (the
   * server is down): named `TEMPLATE/SERVER/*`, it fails with this error wherever it is planned,
   * applied or read, and the fleet's other servers go on (lib/fleet/expand.ts).
   */
  readonly unreachable?: PgvError;
}

/** Where a config value was written: the file, and the line when pgv could find it. */
export interface ConfigLocation {
  readonly file: string;
  readonly line?: number;
}

/** Where a `for_each` part finds its databases on each server. */
export type FleetSource =
  | { readonly kind: 'query'; readonly query: string }
  | { readonly kind: 'list'; readonly names: readonly string[] }
  /** `file`: absolute path; `given`: as written in the config. */
  | { readonly kind: 'file'; readonly file: string; readonly given: string };

/**
 * A part with `for_each:`, not yet expanded: lib/fleet/expand.ts turns it into one Part per
 * (server, database) found, named `TEMPLATE/SERVER/DBNAME`.
 */
export interface PartTemplate {
  readonly name: string;
  /** Names from the config's `servers:` map, in the order given. */
  readonly servers: readonly string[];
  readonly source: FleetSource;
  /** How many ordinary parts the config declares before it (its expansions take its place). */
  readonly position: number;
  /** Where `for_each` was written (errors of the expansion name it). */
  readonly location: ConfigLocation;
  /** The part for one database on one server (`${each:dbname}`, `${each:server}` filled); throws PgvError config_invalid when the values make it invalid. */
  readonly instantiate: (server: string, dbname: string) => Part;
}

/** One group of a fleet's `rollout:`, in order. */
export interface RolloutGroup {
  /** A glob on the database name. */
  readonly match: string;
  /** Parts of the group run at once (absent: the run's concurrency). */
  readonly concurrency?: number;
  /** Sessions pgv may hold open on one server at once (absent: no limit). */
  readonly perServer?: number;
  readonly onError: 'stop' | 'continue';
  readonly location: ConfigLocation;
}

/** What one `for_each` template became: per server, the databases found, in order. */
export interface FleetExpansion {
  readonly template: string;
  /** Per server, the databases found; `unreachable` when the server's query could not run (the message). */
  readonly servers: ReadonlyArray<{ readonly server: string; readonly databases: readonly string[]; readonly unreachable?: string }>;
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
  /** Parts in the order the config declares them; `for_each` parts only once expanded (lib/fleet/expand.ts). */
  readonly parts: readonly Part[];
  /** The `servers:` map: named connections (each over `connection`). Empty when the config has none. */
  readonly servers: Readonly<Record<string, ConnectionOptions>>;
  /** `for_each` parts still to expand (empty once expandFleet has run, or when there are none). */
  readonly templates: readonly PartTemplate[];
  /** What expandFleet made of each template (empty before, or when there were none). */
  readonly expansions: readonly FleetExpansion[];
  /** The `rollout:` groups, in order (empty: one group, the run's concurrency). */
  readonly rollout: readonly RolloutGroup[];
  /** Things the user should fix that do not stop pgv (a readable file holding a password); cli.ts prints them. */
  readonly warnings: readonly string[];
}
