/**
 * The cache of what finding the client programs learns by running programs (lib/tools/cache.ts):
 * `--version` of a compiled pg_dump and `pg_config --bindir`. It must choose exactly what a
 * search without it would: a newer tool earlier in the search order, a newer PostgreSQL
 * installed, a changed binary are all seen; a cached tool that no longer runs is dropped and the
 * search runs again; a broken, foreign or disabled cache changes nothing. Through the real
 * binary, with the cache in a private folder per test (XDG_CACHE_HOME).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pgConfigBindir } from '../../lib/server/binaries.js';
import { signature } from '../../lib/tools/cache.js';
import { makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { clientProgram, createDatabase, dropDatabase } from '../helpers/db.js';

/** A project reaching the test cluster, its cache folder, and folders for tools (all empty at first). */
function setup(prefix: string) {
  const dir = realpathSync(makeProject(prefix));
  writeFiles(dir, { 'pgv.config.yaml': `${testConnectionYaml()}parts:\n  app:\n    recipe: schema\n    dbname: placeholder\n    schema: schema\n`, 'schema/.keep': '' });
  const folder = (name: string) => {
    const d = path.join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  return { dir, cache: folder('cache'), early: folder('early'), late: folder('late') };
}

/** The cache file's entries (key → { value, deps, at }). */
function entries(cache: string): Record<string, { value: string; deps: Record<string, string>; at: number }> {
  return JSON.parse(readFileSync(path.join(cache, 'pgv', 'tools.json'), 'utf8')).entries;
}

function writeEntries(cache: string, value: Record<string, unknown>, mode = 0o600): void {
  const file = path.join(cache, 'pgv', 'tools.json');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ format: 1, entries: value }));
  chmodSync(file, mode);
}

const versionKey = (file: string) => `--version\u0000${file}`;

/** A script standing in for pg_dump: prints `version` for --version, runs the real one otherwise. */
function fakePgDump(file: string, version: string, real: string): void {
  writeFileSync(file, `#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) ${version}"; exit 0; fi\nexec ${real} "$@"\n`);
  chmodSync(file, 0o755);
}

async function dumpWith(env: Record<string, string | undefined>, dir: string, db: string) {
  const run = await runPgv(['dump', '--db', db, '-f', path.join(dir, 'out.dump')], { cwd: dir, env });
  assert.is(run.code, 0, run.stderr);
  return /with pg_dump (\S+)/.exec(run.stdout)?.[1];
}

test('a cached pg_dump is used until a newer one appears earlier on PATH, which is then chosen', async () => {
  const { dir, cache, early, late } = setup('toolcache');
  const real = await clientProgram('pg_dump');
  const db = await createDatabase('toolcache');
  try {
    copyFileSync(real, path.join(late, 'pg_dump'));
    chmodSync(path.join(late, 'pg_dump'), 0o755);
    const env = { XDG_CACHE_HOME: cache, PGV_PG_BINDIR: undefined, PGV_NO_CACHE: undefined, PATH: `${early}:${late}:${process.env.PATH}` };
    const realVersion = await dumpWith(env, dir, db);
    const key = versionKey(path.join(late, 'pg_dump'));
    assert.is(entries(cache)[key]?.value.includes(`(PostgreSQL) ${realVersion}`), true, JSON.stringify(entries(cache)));
    assert.is((statSync(path.join(cache, 'pgv')).mode & 0o777).toString(8), '700');
    assert.is((statSync(path.join(cache, 'pgv', 'tools.json')).mode & 0o777).toString(8), '600');
    // The cache is what the next run believes (no --version is run): a planted answer shows it.
    writeEntries(cache, { ...entries(cache), [key]: { ...entries(cache)[key], value: 'pg_dump (PostgreSQL) 98.7' } });
    assert.is(await dumpWith(env, dir, db), '98.7', 'the remembered version was used');
    // A newer pg_dump earlier in the search order: the search sees it, whatever the cache says.
    fakePgDump(path.join(early, 'pg_dump'), '99.1', path.join(late, 'pg_dump'));
    assert.is(await dumpWith(env, dir, db), '99.1');
    // The copy in `late` changed (same inode, new content): its remembered version no longer counts.
    const { rmSync } = await import('node:fs');
    rmSync(path.join(early, 'pg_dump'));
    writeFileSync(path.join(late, 'pg_dump'), readFileSync(real));
    assert.is(await dumpWith(env, dir, db), realVersion, 'a changed binary is probed again');
    // PGV_NO_CACHE=1: no cache file is read or written.
    const off = path.join(dir, 'cache-off');
    assert.is(await dumpWith({ ...env, XDG_CACHE_HOME: off, PGV_NO_CACHE: '1' }, dir, db), realVersion);
    assert.not.ok(existsSync(off), 'PGV_NO_CACHE=1 writes nothing');
    writeEntries(cache, { ...entries(cache), [key]: { ...entries(cache)[key], value: 'pg_dump (PostgreSQL) 98.7' } });
    assert.is(await dumpWith({ ...env, PGV_NO_CACHE: '1' }, dir, db), realVersion, 'PGV_NO_CACHE=1 reads nothing');
  } finally {
    await dropDatabase(db);
  }
});

test('a corrupt cache, or one that others may write, is ignored (and a corrupt one replaced)', async () => {
  const { dir, cache, late } = setup('toolcache-bad');
  const real = await clientProgram('pg_dump');
  const db = await createDatabase('toolcache_bad');
  try {
    copyFileSync(real, path.join(late, 'pg_dump'));
    chmodSync(path.join(late, 'pg_dump'), 0o755);
    const env = { XDG_CACHE_HOME: cache, PGV_PG_BINDIR: undefined, PGV_NO_CACHE: undefined, PATH: `${late}:${process.env.PATH}` };
    const file = path.join(cache, 'pgv', 'tools.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"format": 1, "entries": {"x": ');
    const realVersion = await dumpWith(env, dir, db);
    assert.ok(realVersion && /^\d+\.\d+/.test(realVersion), realVersion);
    const key = versionKey(path.join(late, 'pg_dump'));
    assert.ok(entries(cache)[key], 'the corrupt file was replaced by a good one');
    // Writable by others: anyone could have planted its answers.
    writeEntries(cache, { ...entries(cache), [key]: { ...entries(cache)[key], value: 'pg_dump (PostgreSQL) 98.7' } }, 0o666);
    assert.is(await dumpWith(env, dir, db), realVersion);
  } finally {
    await dropDatabase(db);
  }
});

test('a cached pg_dump that no longer runs is dropped, and the search goes on to the next one', async () => {
  const { dir, cache, early, late } = setup('toolcache-broken');
  const real = await clientProgram('pg_dump');
  const db = await createDatabase('toolcache_broken');
  try {
    copyFileSync(real, path.join(late, 'pg_dump'));
    chmodSync(path.join(late, 'pg_dump'), 0o755);
    // Looks compiled (ELF), cannot run; a search would pass it over (its --version fails).
    const broken = path.join(early, 'pg_dump');
    writeFileSync(broken, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.from('not a program\n')]));
    chmodSync(broken, 0o755);
    const env = { XDG_CACHE_HOME: cache, PGV_PG_BINDIR: undefined, PGV_NO_CACHE: undefined, PATH: `${early}:${late}:${process.env.PATH}` };
    const realVersion = await dumpWith(env, dir, db);
    assert.not.ok(entries(cache)[versionKey(broken)], 'a program whose --version fails is not remembered');
    // As if it had run once (a library it needs was removed since): the cache says it works.
    writeEntries(cache, { ...entries(cache), [versionKey(broken)]: { value: 'pg_dump (PostgreSQL) 98.7', deps: { [broken]: signature(broken) }, at: Date.now() } });
    assert.is(await dumpWith(env, dir, db), realVersion, 'the dump ran with the next pg_dump');
    assert.not.ok(entries(cache)[versionKey(broken)], 'the broken one was forgotten');
    assert.ok(entries(cache)[versionKey(path.join(late, 'pg_dump'))]);
  } finally {
    await dropDatabase(db);
  }
});

test("pg_config --bindir of postgresql-common's script is remembered until a newer PostgreSQL is installed", async () => {
  const { dir, cache } = setup('toolcache-pgconfig');
  const root = path.join(dir, 'pgroot');
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'pg_config.log');
  mkdirSync(bin, { recursive: true });
  // The script Debian and Red Hat ship as /usr/bin/pg_config, pointed at a private root.
  writeFileSync(
    path.join(bin, 'pg_config'),
    [
      '#!/bin/sh',
      'set -e',
      `PGBINROOT="${root}/"`,
      '#redhat# PGBINROOT="/usr/pgsql-"',
      'LATEST_SERVER_DEV=`ls -v $PGBINROOT*/bin/pg_config 2>/dev/null|tail -n1`',
      'if [ -n "$LATEST_SERVER_DEV" ]; then',
      '    exec "$LATEST_SERVER_DEV" "$@"',
      'else',
      '    exit 1',
      'fi',
      '',
    ].join('\n'),
  );
  chmodSync(path.join(bin, 'pg_config'), 0o755);
  const install = (major: number) => {
    const d = path.join(root, String(major), 'bin');
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'pg_config'), `#!/bin/sh\necho ${major} >> ${log}\necho ${d}\n`);
    chmodSync(path.join(d, 'pg_config'), 0o755);
  };
  const runs = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  const env = { XDG_CACHE_HOME: cache, PATH: `${bin}:/usr/bin:/bin` };
  install(15);
  assert.is(await pgConfigBindir(env), path.join(root, '15', 'bin'));
  assert.is(await pgConfigBindir(env), path.join(root, '15', 'bin'));
  assert.equal(runs(), ['15'], 'the second answer came from the cache');
  install(16);
  assert.is(await pgConfigBindir(env), path.join(root, '16', 'bin'), 'a newer PostgreSQL installed: asked again');
  assert.equal(runs(), ['15', '16']);
  assert.is(await pgConfigBindir(env), path.join(root, '16', 'bin'));
  assert.equal(runs(), ['15', '16']);
  // Any other script is asked every time: its answer may depend on anything.
  writeFileSync(path.join(bin, 'pg_config'), `#!/bin/sh\necho other >> ${log}\necho ${root}/other\n`);
  assert.is(await pgConfigBindir(env), `${root}/other`);
  assert.is(await pgConfigBindir(env), `${root}/other`);
  assert.equal(runs(), ['15', '16', 'other', 'other']);
});

test.run();
