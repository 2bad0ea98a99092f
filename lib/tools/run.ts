/**
 * Running external programs (initdb, pg_ctl, pg_dump, pg_restore, …): the one home of execa.
 * Arguments never carry secrets; pass passwords through `env` (PGPASSWORD).
 * execa (~15-25 ms to load) is loaded on the first run, or earlier by `prepareToRun`: a command
 * that connects first loads it while it waits for the server.
 */
type Execa = typeof import('execa').execa;

let loading: Promise<Execa> | undefined;

/** Start loading execa now (idempotent): call it where a program will run after some waiting. */
export function prepareToRun(): Promise<Execa> {
  loading ??= import('execa').then((m) => m.execa);
  return loading;
}

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

/** Run a program to completion; never throws for a non-zero exit (look at `exitCode`). */
export async function runProgram(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { onStderrLine, onStdoutLine } = options;
  const execa = await prepareToRun();
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: environment(options),
    extendEnv: false,
    uid: options.uid,
    gid: options.gid,
    input: options.input,
    timeout: options.timeoutMs,
    reject: false,
    stripFinalNewline: true,
    windowsHide: true,
    // Generator transforms receive the output line by line (without the newline).
    ...(onStderrLine ? { stderr: [function* (line: unknown) { onStderrLine(String(line)); yield line; }] } : {}),
    ...(onStdoutLine ? { stdout: [function* (line: unknown) { onStdoutLine(String(line)); }] } : {}),
    // SIGINT, not SIGTERM: pg_dump, pg_restore and psql answer it by sending the server a cancel
    // request for their running statement (SIGTERM would leave it running on the server).
    ...(options.signal ? { cancelSignal: options.signal, killSignal: 'SIGINT' as const } : {}),
  });
  if (options.onSpawn && subprocess.pid !== undefined) options.onSpawn(subprocess.pid);
  const result = await subprocess;
  const startError = result.exitCode === undefined && result.failed && !result.isCanceled && !result.timedOut ? (result.originalMessage || result.shortMessage) : undefined;
  return {
    command: [file, ...args].join(' '),
    exitCode: result.exitCode ?? (result.failed ? -1 : 0),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ...(startError ? { startError } : {}),
    ...(result.isCanceled ? { canceled: true } : {}),
    ...(result.timedOut ? { timedOut: true } : {}),
  };
}

/** The program's whole environment: inherited (unless `extendEnv: false`) plus `env`, minus unset names. */
function environment(options: RunOptions): Record<string, string> {
  const merged = { ...(options.extendEnv === false ? {} : process.env), ...(options.env ?? {}) };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}
