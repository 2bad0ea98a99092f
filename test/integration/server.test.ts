/**
 * `pgv server start|status|url|stop`: the embedded PostgreSQL's life cycle through the real binary,
 * as the current user and, when the suite runs as root (as CI does), also as an ordinary account.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chownSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { withClient } from '../../lib/db/client.js';
import { parseConnectionString, resolveConnection } from '../../lib/db/connection.js';
import { jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';

interface Identity {
  readonly label: string;
  readonly uid?: number;
  readonly gid?: number;
}

const isRoot = process.getuid?.() === 0;
// nobody (65534) stands for an ordinary user; the project then belongs to it.
const identities: Identity[] = [{ label: isRoot ? 'root' : 'the current user' }, ...(isRoot ? [{ label: 'nobody', uid: 65534, gid: 65534 }] : [])];

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

for (const who of identities) {
  test(`server start, status, url, apply, stop work as ${who.label}`, async () => {
    const dir = makeProject('server');
    writeFiles(dir, {
      'db/init.sql': 'CREATE TABLE hello (id int);\n',
      'pgv.config.yaml': 'server: embedded\nparts:\n  app:\n    recipe: schema\n    dbname: app\n    schema: db\n    create: true\n',
    });
    if (who.uid !== undefined) chownTree(dir, who.uid, who.gid!);
    const pgv = (...args: string[]) => runPgv(args, { cwd: dir, ...(who.uid !== undefined ? { uid: who.uid, gid: who.gid, env: { HOME: dir } } : {}) });
    try {
      const before = await pgv('server', 'status');
      assert.is(before.code, 3, 'not running before start');
      assert.match(before.stdout, 'not initialized');

      const start = await pgv('server', 'start');
      assert.is(start.code, 0, start.stderr);
      assert.match(start.stdout, 'embedded PostgreSQL: started');
      assert.ok(existsSync(path.join(dir, '.pgv', 'data', 'PG_VERSION')));
      assert.is(statSync(path.join(dir, '.pgv', 'run')).mode & 0o777, 0o700, 'the socket directory is private');
      assert.match((await pgv('server', 'start')).stdout, 'already running');

      const status = jsonOf(await pgv('server', 'status', '--json'));
      assert.is(status.running, true);
      assert.is(status.tcp, false);
      assert.is(status.socket_dir, path.join(dir, '.pgv', 'run'));

      const url = (await pgv('server', 'url')).stdout.trim();
      assert.is(url, `postgresql://postgres@/postgres?host=${path.join(dir, '.pgv', 'run')}&port=5432`);
      const spec = resolveConnection([parseConnectionString(url)], { env: {}, serviceFiles: [], osUser: 'x' });
      const one = await withClient(spec, async (db) => (await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one);
      assert.is(one, 1);

      const apply = await pgv('apply');
      assert.is(apply.code, 0, apply.stderr);
      assert.match(apply.stdout, 'now at version 0');

      const stop = await pgv('server', 'stop');
      assert.is(stop.code, 0, stop.stderr);
      assert.match(stop.stdout, 'stopped');
      const after = await pgv('server', 'status');
      assert.is(after.code, 3);
      assert.match(after.stdout, 'embedded PostgreSQL: stopped');
      assert.match((await pgv('server', 'stop')).stdout, 'not running');

      // A command that needs the stopped server starts it, and says so before its progress.
      const again = await pgv('apply');
      assert.is(again.code, 0, again.stderr);
      assert.match(again.stderr, `pgv: starting the embedded PostgreSQL in ${path.join(dir, '.pgv', 'data')}\n`);
      assert.is((await pgv('server', 'stop')).code, 0);
      const quiet = await pgv('apply', '-q');
      assert.is(quiet.code, 0, quiet.stderr);
      assert.not.match(quiet.stderr, 'pgv: starting', '-q says nothing');
    } finally {
      await pgv('server', 'stop');
    }
  });
}

test('server commands without `server: embedded` in the config are a usage error', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.yaml': 'parts:\n  app:\n    recipe: schema\n    dbname: app\n    schema: db\n' });
  const run = await runPgv(['server', 'start'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'does not use the embedded server');
  const bad = await runPgv(['server', 'launch'], { cwd: dir });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, 'unknown server action "launch"');
});

test.run();
