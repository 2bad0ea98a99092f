/**
 * The two kinds of failure pgv knows. A PgvError is something the user can act on: it carries a
 * stable code, a one-line message, a hint with the next action, and an exit code from the
 * contract in DESIGN.md. Anything else that escapes is a bug and is reported with its stack.
 */

/** Exit codes of the command-line contract (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  differences: 1,
  usage: 2,
  failed: 3,
  internal: 70,
  /** SIGINT or SIGTERM: the running statement was cancelled (128 + SIGINT, as shells report). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable error codes; scripts may match on them in `--json` output. */
export type ErrorCode =
  | 'usage'
  | 'config_not_found'
  | 'config_parse'
  | 'config_invalid'
  | 'connection_failed'
  | 'database_missing'
  | 'server_binaries_missing'
  | 'server_failed'
  | 'server_version_mismatch'
  | 'script_failed'
  | 'scripts_invalid'
  | 'refused'
  | 'lock_timeout'
  | 'database_busy'
  | 'not_versioned'
  | 'snapshot_missing'
  | 'snapshot_failed'
  | 'inspect_failed'
  | 'tool_missing'
  | 'tool_failed'
  | 'file_not_found'
  | 'not_a_dump'
  | 'interrupted'
  | 'pooler_refused'
  | 'lint_failed'
  | 'plan_invalid'
  | 'plan_moved'
  /** A fleet's `for_each` found no database, a database twice, or its query failed. */
  | 'fleet_invalid';

const exitCodeOf: Record<ErrorCode, ExitCode> = {
  usage: ExitCode.usage,
  config_not_found: ExitCode.usage,
  config_parse: ExitCode.usage,
  config_invalid: ExitCode.usage,
  scripts_invalid: ExitCode.usage,
  connection_failed: ExitCode.failed,
  database_missing: ExitCode.failed,
  server_binaries_missing: ExitCode.failed,
  server_failed: ExitCode.failed,
  server_version_mismatch: ExitCode.failed,
  script_failed: ExitCode.failed,
  refused: ExitCode.failed,
  lock_timeout: ExitCode.failed,
  database_busy: ExitCode.failed,
  not_versioned: ExitCode.failed,
  snapshot_missing: ExitCode.failed,
  snapshot_failed: ExitCode.failed,
  inspect_failed: ExitCode.failed,
  tool_missing: ExitCode.failed,
  tool_failed: ExitCode.failed,
  file_not_found: ExitCode.failed,
  not_a_dump: ExitCode.failed,
  interrupted: ExitCode.interrupted,
  pooler_refused: ExitCode.failed,
  // Findings, not a failure: exit 1, as `pgv lint` itself.
  lint_failed: ExitCode.differences,
  plan_invalid: ExitCode.usage,
  plan_moved: ExitCode.failed,
  fleet_invalid: ExitCode.usage,
};

/** Options of a PgvError besides its code and message. */
export interface PgvErrorOptions {
  /** The next thing the user should do. */
  hint?: string;
  /** Further lines: one per problem for a config with several mistakes, a script excerpt, etc. */
  details?: string[];
  /** Structured data for `--json`. */
  data?: Record<string, unknown>;
  cause?: unknown;
}

/** An error the user can act on. Never carries a password. */
export class PgvError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  /**
   * Further lines (one per problem, a script excerpt). Not named `details`: test runners such as
   * uvu read `error.details` as a diff string.
   */
  readonly detailLines: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: PgvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PgvError';
    this.code = code;
    this.hint = options.hint;
    this.detailLines = Object.freeze([...(options.details ?? [])]);
    this.data = Object.freeze({ ...(options.data ?? {}) });
  }

  /** The process exit code this error maps to. */
  get exitCode(): ExitCode {
    return exitCodeOf[this.code];
  }

  /** The error as plain data for `--json`. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.detailLines.length ? { details: this.detailLines } : {}),
      ...(Object.keys(this.data).length ? { data: this.data } : {}),
    };
  }
}

/** True when `e` is a PgvError (also across duplicated module instances). */
export function isPgvError(e: unknown): e is PgvError {
  return e instanceof PgvError || (e instanceof Error && e.name === 'PgvError' && 'code' in e);
}

/** A usage error: bad flags, unknown commands (exit 2). */
export function usageError(message: string, hint?: string): PgvError {
  return new PgvError('usage', message, { hint });
}
