/**
 * Finding PostgreSQL's programs: an explicit PGV_PG_BINDIR, PATH, `pg_config --bindir`, then the
 * folders that common packages install into. The server programs (initdb, pg_ctl, postgres) must
 * sit together; client programs (pg_dump, pg_restore, psql) are listed one by one, with their
 * version chosen by the caller (lib/dump/tools.ts).
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { PgvError } from '../errors.js';
import { runProgram } from '../tools/run.js';

const required = ['initdb', 'pg_ctl', 'postgres'];

/** The well-known install folders, newest version first within each family. */
function installFolders(): string[] {
  const globbed = (parent: string, pattern: RegExp, suffix: string): string[] => {
    try {
      return readdirSync(parent)
        .filter((n) => pattern.test(n))
        .sort((a, b) => versionOf(b) - versionOf(a))
        .map((n) => path.join(parent, n, suffix));
    } catch {
      return [];
    }
  };
  return [
    ...globbed('/usr/lib/postgresql', /^\d+(\.\d+)?$/, 'bin'),
    ...globbed('/usr', /^pgsql-\d+/, 'bin'),
    ...globbed('/opt/homebrew/opt', /^postgresql(@\d+)?$/, 'bin'),
    ...globbed('/usr/local/opt', /^postgresql(@\d+)?$/, 'bin'),
    ...globbed('/Applications/Postgres.app/Contents/Versions', /^\d+/, 'bin'),
    '/usr/local/pgsql/bin',
    '/opt/postgresql/bin',
  ];
}

function versionOf(name: string): number {
  const m = /(\d+)(?:\.(\d+))?/.exec(name);
  return m ? Number(m[1]) * 100 + Number(m[2] ?? 0) : 0;
}

function hasServer(dir: string): boolean {
  return required.every((p) => existsSync(path.join(dir, p)));
}

/**
 * Every copy of a client program in search order, each once (by real path): PGV_PG_BINDIR, PATH,
 * `pg_config --bindir`, the install folders, and last the launchers found on PATH that are not
 * the program itself (Debian's pg_wrapper: a Perl script that picks a version and costs ~45 ms
 * per start). Lazy: `pg_config` runs only when the earlier places did not satisfy the caller.
 */
export async function* programCandidates(program: string, env: Readonly<Record<string, string | undefined>>): AsyncGenerator<string> {
  const seen = new Set<string>();
  const fresh = (file: string): string | undefined => {
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return undefined;
    }
    if (seen.has(real)) return undefined;
    seen.add(real);
    return real;
  };
  if (env.PGV_PG_BINDIR) {
    const file = fresh(path.join(env.PGV_PG_BINDIR, program));
    if (file) yield file;
  }
  const launchers: string[] = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, program);
    if (!existsSync(file)) continue;
    const real = fresh(file);
    if (!real) continue;
    if (path.basename(real) === program) yield real;
    else launchers.push(file); // kept under its own name: the launcher looks at argv[0]
  }
  const pgConfig = await runProgram('pg_config', ['--bindir'], { env }).catch(() => undefined);
  const configured = pgConfig && pgConfig.exitCode === 0 ? pgConfig.stdout.trim() : '';
  for (const dir of [...(configured ? [configured] : []), ...installFolders()]) {
    const file = fresh(path.join(dir, program));
    if (file) yield file;
  }
  yield* launchers;
}

/** The folder holding initdb, pg_ctl and postgres; throws a PgvError saying what to install. */
export async function findServerBinDir(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const tried: string[] = [];
  const candidates: string[] = [];
  if (env.PGV_PG_BINDIR) candidates.push(env.PGV_PG_BINDIR);
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const initdb = path.join(dir, 'initdb');
    if (existsSync(initdb)) candidates.push(path.dirname(realpathSync(initdb)));
  }
  for (const dir of candidates) {
    if (hasServer(dir)) return dir;
    tried.push(dir);
  }
  const pgConfig = await runProgram('pg_config', ['--bindir']).catch(() => undefined);
  if (pgConfig && pgConfig.exitCode === 0 && pgConfig.stdout.trim()) {
    const dir = pgConfig.stdout.trim();
    if (hasServer(dir)) return dir;
    tried.push(`${dir} (pg_config --bindir)`);
  }
  for (const dir of installFolders()) {
    if (hasServer(dir)) return dir;
  }
  throw new PgvError('server_binaries_missing', 'no PostgreSQL server programs (initdb, pg_ctl, postgres) found', {
    hint:
      'Install the PostgreSQL server: Debian/Ubuntu `apt-get install postgresql`, Fedora/RHEL `dnf install postgresql-server`, ' +
      'macOS `brew install postgresql@17`; or set PGV_PG_BINDIR to the folder that holds initdb.',
    details: [`looked on PATH, in pg_config --bindir and in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, Homebrew and Postgres.app folders`, ...tried.map((t) => `no server programs in ${t}`)],
  });
}
