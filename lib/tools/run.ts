/**
 * Running external programs (initdb, pg_ctl, pg_dump, pg_restore, …): the one home of
 * child_process. Node's own spawn, not execa: execa's ~130 modules cost a `pgv dump` or
 * `pgv restore` more time to load than pg_dump takes on an empty database.
 * Arguments never carry secrets; pass passwords through `env` (PGPASSWORD).
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** How to run a program. */
export interface RunOptions {
  readonly cwd?: string;
  /**
   * Variables added to the inherited environment (or replacing it, with `extendEnv: false`).
   * A variable set to `undefined` is removed from what the program sees.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly extendEnv?: boolean;
  /** Run as another OS account (when pgv runs as root). */
  readonly uid?: number;
  readonly gid?: number;
  readonly input?: string;
  /** Milliseconds before the program is killed. */
  readonly timeoutMs?: number;
  /** Called with the child's process id as soon as it is started. */
  readonly onSpawn?: (pid: number) => void;
  /** Called with each line the program writes to stderr, as it writes it (stderr is still kept). */
  readonly onStderrLine?: (line: string) => void;
  /**
   * Called with each line the program writes to stdout. Such lines are not kept in `stdout`
   * (a restore's command tags can run to millions of lines).
   */
  readonly onStdoutLine?: (line: string) => void;
  /** Aborting it stops the program (SIGINT; SIGKILL after 5 s). */
  readonly signal?: AbortSignal;
}

/** What a finished program left behind. */
export interface RunResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  readonly startError?: string;
  /** Set when the program was stopped by `signal`. */
  readonly canceled?: boolean;
  /** Set when the program was killed for running longer than `timeoutMs`. */
  readonly timedOut?: boolean;
}

/** How long a program stopped by `signal` or `timeoutMs` has before SIGKILL. */
const forceKillAfterMs = 5000;

/** Run a program to completion; never throws for a non-zero exit (look at `exitCode`). */
export async function runProgram(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args].join(' ');
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env: environment(options),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
      stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (e) {
    return { command, exitCode: -1, stdout: '', stderr: '', startError: (e as Error).message };
  }
  if (options.onSpawn && child.pid !== undefined) options.onSpawn(child.pid);
  const stdout: string[] = [];
  const stderr: string[] = [];
  collect(child.stdout!, options.onStdoutLine, options.onStdoutLine ? undefined : stdout);
  collect(child.stderr!, options.onStderrLine, stderr);
  if (options.input !== undefined) {
    child.stdin!.on('error', () => undefined); // a program that exits without reading its input
    child.stdin!.end(options.input);
  }
  let canceled = false;
  let timedOut = false;
  let forceKill: NodeJS.Timeout | undefined;
  // SIGINT, not SIGTERM, on cancel: pg_dump, pg_restore and psql answer it by sending the server
  // a cancel request for their running statement (SIGTERM would leave it running on the server).
  const stop = (signal: NodeJS.Signals) => {
    child.kill(signal);
    forceKill ??= setTimeout(() => child.kill('SIGKILL'), forceKillAfterMs);
  };
  const onAbort = () => {
    canceled = true;
    stop('SIGINT');
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), stop('SIGTERM')), options.timeoutMs) : undefined;
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    let error: Error | undefined;
    child.on('error', (e) => {
      error = e;
      // Not started: no 'close' may follow.
      if (child.pid === undefined) resolve({ code: null, signal: null, error: e });
    });
    child.on('close', (code, signal) => resolve({ code, signal, ...(error ? { error } : {}) }));
  });
  clearTimeout(timer);
  clearTimeout(forceKill);
  options.signal?.removeEventListener('abort', onAbort);
  const startError = outcome.error ? outcome.error.message : outcome.code === null && !canceled && !timedOut ? `killed by ${outcome.signal ?? 'a signal'}` : undefined;
  return {
    command,
    exitCode: outcome.code ?? -1,
    stdout: stripFinalNewline(stdout.join('')),
    stderr: stripFinalNewline(stderr.join('')),
    ...(startError ? { startError } : {}),
    ...(canceled ? { canceled: true } : {}),
    ...(timedOut ? { timedOut: true } : {}),
  };
}

/** Keep a stream's text in `kept` (when given) and hand each line to `onLine` as it completes. */
function collect(stream: NodeJS.ReadableStream, onLine: ((line: string) => void) | undefined, kept: string[] | undefined): void {
  stream.setEncoding('utf8');
  let partial = '';
  stream.on('data', (chunk: string) => {
    kept?.push(chunk);
    if (!onLine) return;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  });
  stream.on('end', () => {
    if (onLine && partial !== '') onLine(partial);
  });
}

function stripFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** The program's whole environment: inherited (unless `extendEnv: false`) plus `env`, minus unset names. */
function environment(options: RunOptions): Record<string, string> {
  const merged = { ...(options.extendEnv === false ? {} : process.env), ...(options.env ?? {}) };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}
