/**
 * Running pg_dump, pg_restore or psql against one resolved connection: credentials in the
 * environment only, stderr read line by line for progress, and a failure turned into a PgvError
 * that carries the program's own error lines (never pgv's stack).
 */
import { currentSignal } from '../db/cancel.js';
import type { ConnectionSpec } from '../db/connection.js';
import { describeConnection } from '../db/connection.js';
import { PgvError } from '../errors.js';
import { runProgram, type RunResult } from '../tools/run.js';
import { clientEnvironment } from './env.js';
import { failureLines } from './progress.js';
import { rediscoverAfterFailure, type ClientTool } from './tools.js';

/** How to run one client program. */
export interface ClientRun {
  readonly tool: ClientTool;
  readonly args: readonly string[];
  readonly spec: ConnectionSpec;
  /** The environment pgv runs in (PATH, HOME, locale…); libpq's connection variables are replaced. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onStderrLine?: (line: string) => void;
  readonly onStdoutLine?: (line: string) => void;
  readonly onSpawn?: (pid: number, tool: ClientTool) => void;
  /** Default: the signal of the cancellation scope it runs in (db/cancel.ts). */
  readonly signal?: AbortSignal;
}

/** What a client program left behind, and the copy of it that ran. */
export interface ClientResult extends RunResult {
  /** `run.tool`, or the one found instead when that one (chosen from the cache) could not run. */
  readonly tool: ClientTool;
}

/**
 * Run the program; returns its result whatever its exit code (see `toolFailure`). A tool chosen
 * from the cache that cannot run (not started, or exit 126/127: the system could not execute
 * it; pg_dump, pg_restore and psql never exit so themselves) is forgotten, searched for again
 * and run once more.
 */
export async function runClient(run: ClientRun): Promise<ClientResult> {
  const result = await runOnce(run);
  if (result.startError || ((result.exitCode === 126 || result.exitCode === 127) && !result.canceled)) {
    const other = await rediscoverAfterFailure(run.tool);
    if (other) return runClient({ ...run, tool: other });
  }
  if (result.startError) {
    throw new PgvError('tool_missing', `could not start ${run.tool.path}: ${result.startError}`, {
      hint: 'Check that the file is executable, or set PGV_PG_BINDIR to a folder with working PostgreSQL client programs.',
    });
  }
  return { ...result, tool: run.tool };
}

async function runOnce(run: ClientRun): Promise<RunResult> {
  // Stopped by the caller's signal, else by the cancellation scope's (Ctrl-C, a library signal).
  const signal = run.signal ?? currentSignal();
  return runProgram(run.tool.path, run.args, {
    env: clientEnvironment(run.env, run.spec),
    extendEnv: false,
    ...(run.onStderrLine ? { onStderrLine: run.onStderrLine } : {}),
    ...(run.onStdoutLine ? { onStdoutLine: run.onStdoutLine } : {}),
    ...(run.onSpawn ? { onSpawn: (pid: number) => run.onSpawn!(pid, run.tool) } : {}),
    ...(signal ? { signal } : {}),
  });
}

/**
 * The error for a run that failed: `what` ("could not dump database app"), the program's error
 * lines as details (password scrubbed, in case a server message echoed it), and a hint: `state`
 * (what the failure left behind), plus a word on where the lines come from.
 */
export function toolFailure(given: ClientRun, result: RunResult | ClientResult, what: string, state: string, lines?: readonly string[]): PgvError {
  const run = 'tool' in result ? { ...given, tool: result.tool } : given;
  const scrub = (l: string) => (run.spec.password ? l.split(run.spec.password).join('***') : l);
  const details = (lines ?? failureLines(run.tool.program, result.stderr)).map(scrub);
  if (result.canceled) {
    return new PgvError('interrupted', `interrupted: ${what}: ${run.tool.program} was stopped and its statement cancelled on the server; ${state.replace(/^./, (c) => c.toLowerCase())}`, {
      data: { program: run.tool.program, canceled: true },
    });
  }
  const how = `exited with ${result.exitCode}`;
  return new PgvError('tool_failed', `${what}: ${run.tool.program} ${how} (${describeConnection(run.spec)})`, {
    hint: details.length ? `${state} The lines above are ${run.tool.program}'s own messages.` : state,
    details,
    data: { program: run.tool.program, version: run.tool.version, exit_code: result.exitCode, ...(result.canceled ? { canceled: true } : {}) },
  });
}
