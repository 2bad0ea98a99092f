/**
 * Finding pg_dump, pg_restore and psql in a version that can handle the server: the first copy
 * in pgv's search order (PGV_PG_BINDIR, PATH, pg_config --bindir, the usual install folders; see
 * lib/server/binaries.ts) whose major version is the server's or newer. pg_dump refuses older
 * servers' successors ("server version mismatch"), and an older pg_restore or psql does not know
 * what a newer server's dump may contain.
 */
import { PgvError } from '../errors.js';
import { programCandidates } from '../server/binaries.js';
import { forget, isCompiledProgram, recall, remember, signatures } from '../tools/cache.js';
import { runProgram } from '../tools/run.js';

/** The client programs pgv runs. */
export type ClientProgram = 'pg_dump' | 'pg_restore' | 'psql';

/** One usable copy of a client program. */
export interface ClientTool {
  readonly program: ClientProgram;
  /** Absolute path. */
  readonly path: string;
  /** As `--version` prints it: `15.18`. */
  readonly version: string;
  /** 15 for 15.18; 9.6 for 9.6.24 (before PostgreSQL 10 the major version had two parts). */
  readonly major: number;
}

/** The major version in a `--version` line (`pg_dump (PostgreSQL) 15.18 (Debian …)`). Pure. */
export function parseToolVersion(text: string): { version: string; major: number } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text) ?? /^\S+\s+(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  const version = [m[1], m[2], m[3]].filter((p) => p !== undefined).join('.');
  return { version, major: first >= 10 ? first : Number(`${first}.${m[2] ?? 0}`) };
}

/** The major version of a server from `server_version_num` (150018 → 15, 90624 → 9.6). Pure. */
export function serverMajor(versionNum: number): number {
  return versionNum >= 100000 ? Math.floor(versionNum / 10000) : Math.floor(versionNum / 10000) + Math.floor((versionNum % 10000) / 100) / 10;
}

/** What to install to get `program` in version `major` or newer. Pure. */
export function installHint(program: ClientProgram, major: number | undefined): string {
  const v = major === undefined ? '' : String(major);
  const debian = v ? `postgresql-client-${v}` : 'postgresql-client';
  const redhat = v ? `postgresql${v.replace('.', '')}` : 'postgresql';
  const brew = v ? `libpq (or postgresql@${v})` : 'libpq';
  return (
    `Install the PostgreSQL client programs${v ? ` of version ${v} or newer` : ''}: Debian/Ubuntu \`apt-get install ${debian}\`, ` +
    `Fedora/RHEL \`dnf install ${redhat}\`, macOS \`brew install ${brew}\`; or set PGV_PG_BINDIR to the folder that holds ${program}.`
  );
}

/** The tools whose version came from the cache, with what they were chosen for (see `rediscoverAfterFailure`). */
const fromCache = new WeakMap<ClientTool, { minMajor: number | undefined; env: Readonly<Record<string, string | undefined>> }>();

/** The key under which a compiled program's `--version` is remembered (lib/tools/cache.ts). */
function versionKey(file: string): string {
  return `--version\0${file}`;
}

/**
 * `file --version`: remembered across runs for a compiled program (ELF, Mach-O) while its
 * signature holds; a script (Debian's pg_wrapper, a test's stand-in) runs each time.
 */
async function probeVersion(file: string, env: Readonly<Record<string, string | undefined>>): Promise<{ parsed?: { version: string; major: number }; startError?: string; cached: boolean }> {
  const compiled = isCompiledProgram(file);
  if (compiled) {
    const known = recall(versionKey(file), env);
    const parsed = known === undefined ? undefined : parseToolVersion(known);
    if (parsed) return { parsed, cached: true };
  }
  const before = compiled ? signatures([file]) : undefined;
  const probe = await runProgram(file, ['--version'], { env: { LC_ALL: 'C' } });
  const parsed = probe.exitCode === 0 ? parseToolVersion(probe.stdout) : undefined;
  if (parsed && before) remember(versionKey(file), probe.stdout, before, env);
  return { ...(parsed ? { parsed } : {}), ...(probe.startError ? { startError: probe.startError } : {}), cached: false };
}

/**
 * The first `program` in search order whose major version is at least `minMajor` (any version
 * when undefined). The search itself (folders, PATH, real paths) runs each time; what it learns
 * by running programs (`pg_config --bindir`, `--version`) is remembered across runs while the
 * files it came from are unchanged (lib/tools/cache.ts; PGV_NO_CACHE=1 turns that off), so it
 * chooses what a search without the cache would.
 * Throws PgvError `tool_missing` naming the versions found and the server's.
 */
export async function findClientTool(program: ClientProgram, minMajor: number | undefined, env: Readonly<Record<string, string | undefined>>): Promise<ClientTool> {
  const tooOld: Array<{ file: string; version: string }> = [];
  const unreadable: string[] = [];
  for await (const file of programCandidates(program, env)) {
    const probe = await probeVersion(file, env);
    const parsed = probe.parsed;
    if (!parsed) unreadable.push(`${file}: could not read its version${probe.startError ? ` (${probe.startError})` : ''}`);
    else if (minMajor !== undefined && parsed.major < minMajor) tooOld.push({ file, version: parsed.version });
    else {
      const tool: ClientTool = Object.freeze({ program, path: file, ...parsed });
      if (probe.cached) fromCache.set(tool, { minMajor, env });
      return tool;
    }
  }
  const message = tooOld.length
    ? `${program} ${[...new Set(tooOld.map((t) => t.version))].join(', ')} cannot handle the PostgreSQL ${minMajor} server; ${program} ${minMajor} or newer is needed`
    : `${program} not found${minMajor === undefined ? '' : ` (the server is PostgreSQL ${minMajor})`}`;
  throw new PgvError('tool_missing', message, {
    hint: installHint(program, minMajor),
    details: [
      ...tooOld.map((t) => `${t.file}: version ${t.version}`),
      ...unreadable,
      'looked in PGV_PG_BINDIR, on PATH, in pg_config --bindir and in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, Homebrew and Postgres.app folders',
    ],
    data: { program, ...(minMajor !== undefined ? { server_major: minMajor } : {}), too_old: tooOld.map((t) => t.version) },
  });
}

/**
 * The tool for a server whose version is still being read: probes the first candidate while
 * `serverVersion` settles (the usual case: it is new enough), and searches on only when it is
 * too old. Chooses exactly what `findClientTool(program, major)` would; a failure to reach the
 * server wins over a missing tool. `firstCandidate`: that first search, when the caller started
 * it already (`findClientTool(program, undefined, env)`).
 */
export async function findClientToolFor(
  program: ClientProgram,
  serverVersion: Promise<number>,
  env: Readonly<Record<string, string | undefined>>,
  firstCandidate: Promise<ClientTool> = findClientTool(program, undefined, env),
): Promise<{ tool: ClientTool; serverVersion: number }> {
  const [version, first] = await Promise.allSettled([serverVersion, firstCandidate]);
  if (version.status === 'rejected') throw version.reason;
  const major = serverMajor(version.value);
  const tool = first.status === 'fulfilled' && first.value.major >= major ? first.value : await findClientTool(program, major, env);
  return { tool, serverVersion: version.value };
}

/**
 * After `tool` could not run (it did not start, or the system could not execute it: exit 126 or
 * 127): when its version came from the cache, forget that and search again, as a search without
 * the cache would have probed it and passed it over. Undefined when the tool was probed in this
 * run (its failure is the answer).
 */
export async function rediscoverAfterFailure(tool: ClientTool): Promise<ClientTool | undefined> {
  const chosen = fromCache.get(tool);
  if (!chosen) return undefined;
  forget(versionKey(tool.path), chosen.env);
  return findClientTool(tool.program, chosen.minMajor, chosen.env);
}
