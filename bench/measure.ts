/**
 * Timing one program run (wall clock, spawn to exit) and its peak memory: through
 * `/usr/bin/time -f %M` when the machine has it, otherwise through the program itself writing
 * `process.resourceUsage().maxRSS` to the file named by BENCH_RSS_FILE (see rss-main.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A program to run. */
export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that count as success (default: 0 only). */
  readonly okCodes?: readonly number[];
}

/** One measured run. */
export interface Sample {
  readonly ms: number;
  /** Peak resident set size in KiB; null when neither GNU time nor the program reported it. */
  readonly maxRssKb: number | null;
  readonly stdout: string;
}

const gnuTime = '/usr/bin/time';

/** How peak memory is measured in this run: GNU time, or the programs' own report. */
export const rssMethod: 'gnu-time' | 'self-report' = existsSync(gnuTime) && process.env.BENCH_RSS_VIA !== 'self-report' ? 'gnu-time' : 'self-report';

/** Run `command` once; throws (with its stderr) when it exits non-zero. */
export async function measure(command: Command): Promise<Sample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgv-bench-rss-'));
  const rssFile = path.join(dir, 'rss');
  try {
    const [file, args] = rssMethod === 'gnu-time' ? [gnuTime, ['-f', '%M', '-o', rssFile, command.file, ...command.args]] : [command.file, command.args];
    const env = { ...withoutLibpqVariables(process.env), ...command.env, BENCH_RSS_FILE: rssFile };
    const t0 = performance.now();
    const { code, stdout, stderr } = await run(file, args, command.cwd, env);
    const ms = performance.now() - t0;
    if (!(command.okCodes ?? [0]).includes(code as number)) {
      throw new Error(`${[command.file, ...command.args].join(' ')} exited with ${code}\n${stderr.trim()}`);
    }
    return { ms, maxRssKb: readRss(rssFile), stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(file: string, args: readonly string[], cwd: string | undefined, env: NodeJS.ProcessEnv): Promise<{ code: number | string; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }));
  });
}

/** The environment minus PGHOST, PGSSLMODE & co.: only the bench's own settings reach the cluster. */
function withoutLibpqVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^PG(?!V_)/.test(k)));
}

function readRss(file: string): number | null {
  if (!existsSync(file)) return null;
  // GNU time writes "Command exited with non-zero status N" before the value when the program fails.
  const last = readFileSync(file, 'utf8').trim().split('\n').pop() ?? '';
  const kb = Number(last);
  return Number.isFinite(kb) && last !== '' ? kb : null;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Run both sides of one comparison, alternating which goes first by round (a slow moment lands on both sides). */
export async function pair<T>(round: number, pgv: () => Promise<T>, floor: () => Promise<T>): Promise<[T, T]> {
  if (round % 2 === 0) {
    const a = await pgv();
    return [a, await floor()];
  }
  const b = await floor();
  return [await pgv(), b];
}

/** Fail the bench when a command did not print what a successful run prints. */
export function expectOutput(sample: Sample, text: string, what: string): void {
  if (!sample.stdout.includes(text)) throw new Error(`${what} printed ${JSON.stringify(sample.stdout.trim())}, expected "${text}"`);
}
