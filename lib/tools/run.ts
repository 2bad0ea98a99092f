/**
 * Running external programs (initdb, pg_ctl, pg_dump, pg_restore, …): the one home of execa.
 * Arguments never carry secrets; pass passwords through `env` (PGPASSWORD).
 */
import { execa } from 'execa';

/** How to run a program. */
export interface RunOptions {
  readonly cwd?: string;
  /** Variables added to the inherited environment (or replacing it, with `extendEnv: false`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly extendEnv?: boolean;
  /** Run as another OS account (when pgv runs as root). */
  readonly uid?: number;
  readonly gid?: number;
  readonly input?: string;
  /** Milliseconds before the program is killed. */
  readonly timeoutMs?: number;
}

/** What a finished program left behind. */
export interface RunResult {
  readonly command: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  readonly startError?: string;
}

/** Run a program to completion; never throws for a non-zero exit (look at `exitCode`). */
export async function runProgram(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(file, args, {
    cwd: options.cwd,
    env: options.env as Record<string, string> | undefined,
    extendEnv: options.extendEnv ?? true,
    uid: options.uid,
    gid: options.gid,
    input: options.input,
    timeout: options.timeoutMs,
    reject: false,
    stripFinalNewline: true,
    windowsHide: true,
  });
  const startError = result.exitCode === undefined && result.failed ? (result.originalMessage || result.shortMessage) : undefined;
  return {
    command: [file, ...args].join(' '),
    exitCode: result.exitCode ?? (result.failed ? -1 : 0),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ...(startError ? { startError } : {}),
  };
}
