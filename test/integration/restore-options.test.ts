/** `pgv restore --no-owner / --role`, and dumps that create schema public (pum users' 9.6 dumps). */
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, runPgv } from '../helpers/cli.js';
import { cluster, createDatabase, dropDatabase, uniqueName, withDb } from '../helpers/db.js';
import { findClientTool } from '../../lib/dump/tools.js';
import { runProgram } from '../../lib/tools/run.js';

const project = makeProject('restore-opts');
const env = { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres' };

async function pgDump(db: string, file: string, extra: string[] = []): Promise<void> {
  const tool = await findClientTool('pg_dump', undefined, process.env);
  const run = await runProgram(tool.path, ['-Fc', '--no-password', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', '-f', file, ...extra, db]);
  assert.is(run.exitCode, 0, run.stderr);
}

const ownerOf = (db: string, table: string) => withDb(db, async (c) => (await c.query<{ o: string }>('SELECT tableowner AS o FROM pg_tables WHERE tablename = $1', [table])).rows[0]?.o);

test('a dump whose owner role is gone: exit 3 naming --no-owner and --role; --no-owner restores, --role restores as that role', async () => {
  const gone = uniqueName('gone_owner');
  const other = uniqueName('restorer');
  const source = await createDatabase('rs_src');
  const file = path.join(project, `${source}.dump`);
  const targets = [uniqueName('rs_t1'), uniqueName('rs_t2'), uniqueName('rs_t3')];
  try {
    await withDb(source, async (c) => {
      await c.query(`CREATE ROLE ${gone}; CREATE ROLE ${other} SUPERUSER`);
      await c.query(`CREATE TABLE owned (n int); INSERT INTO owned VALUES (1); ALTER TABLE owned OWNER TO ${gone}`);
    });
    await pgDump(source, file);
    await withDb(source, (c) => c.query(`DROP OWNED BY ${gone}; DROP ROLE ${gone}`));

    const fails = await runPgv(['restore', '--db', targets[0]!, '--create', '-f', file], { cwd: project, env });
    assert.is(fails.code, 3, fails.stderr);
    assert.match(fails.stderr, `Create the role ${gone} on the target server first (objects in the dump belong to it), or restore with --no-owner (they then belong to the user restoring) or --role ROLE.`);

    const noOwner = await runPgv(['restore', '--db', targets[1]!, '--create', '--no-owner', '-f', file], { cwd: project, env });
    assert.is(noOwner.code, 0, noOwner.stderr);
    assert.is(await ownerOf(targets[1]!, 'owned'), 'postgres');

    const asRole = await runPgv(['restore', '--db', targets[2]!, '--create', '--no-owner', '--role', other, '-f', file], { cwd: project, env });
    assert.is(asRole.code, 0, asRole.stderr);
    assert.is(await ownerOf(targets[2]!, 'owned'), other);
  } finally {
    for (const t of targets) await dropDatabase(t);
    await dropDatabase(source);
    await withDb('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${other}`));
  }
});

test('--no-owner with a plain SQL dump is a usage error that says what to do', async () => {
  const file = path.join(project, 'plain.sql');
  (await import('node:fs')).writeFileSync(file, '--\n-- PostgreSQL database dump\n--\nCREATE TABLE x (n int);\n');
  const run = await runPgv(['restore', '--db', 'whatever', '--no-owner', '-f', file], { cwd: project, env });
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, '--no-owner works only with archive dumps');
});

test('a dump that creates schema public (as pg_dump 9.6 and -n public do) restores with exit 0 and says what it skipped', async () => {
  const source = await createDatabase('rs_pub');
  const target = uniqueName('rs_pub_t');
  const file = path.join(project, `${source}.dump`);
  try {
    await withDb(source, (c) => c.query('CREATE TABLE public.item (n int); INSERT INTO public.item VALUES (1), (2)'));
    await pgDump(source, file, ['--schema=public']);
    const run = await runPgv(['restore', '--db', target, '--create', '-f', file], { cwd: project, env });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stderr, `pgv: warning: skipped CREATE SCHEMA public: "${target}" has it already`);
    assert.is(await withDb(target, async (c) => (await c.query<{ n: string }>('SELECT count(*)::text AS n FROM public.item')).rows[0]!.n), '2');
  } finally {
    await dropDatabase(target);
    await dropDatabase(source);
  }
});

test.run();
