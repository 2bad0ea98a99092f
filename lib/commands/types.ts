/** What every command receives and returns. */
import type { Env } from '../config/substitute.js';

/** Global options and the process's edges, captured once by the CLI. */
export interface Globals {
  readonly config?: string;
  readonly json: boolean;
  /** `--json-lines`: the run's events on stdout as NDJSON, the last line the summary. */
  readonly jsonLines: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly color: boolean;
  readonly cwd: string;
  readonly env: Env;
  /** Is stderr a terminal (live progress) or a pipe (plain lines)? */
  readonly interactive: boolean;
  /** Where progress goes. */
  readonly progressStream: NodeJS.WriteStream;
  /** Where --json-lines writes its events (stdout). */
  readonly stdout: NodeJS.WritableStream;
  /** Warnings collected while the command runs (the config's); cli.ts prints them once, on stderr. */
  readonly warnings?: string[];
  /** Notes on stderr before a run's progress starts (starting the embedded server); absent with -q. */
  readonly notice?: (message: string) => void;
}

/** A command's outcome: what to print and the exit code. Commands never print or exit. */
export interface CommandResult {
  readonly exitCode: number;
  /** Text for stdout (without --json). */
  readonly text?: string;
  /** The document for stdout with --json. */
  readonly json?: unknown;
  /** Lines for stderr (warnings, the error of a failed run). */
  readonly errors?: readonly string[];
}
