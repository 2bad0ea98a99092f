/**
 * The census and the per-shape rehearsal over a fleet config (`servers:`, `for_each`): databases
 * named SERVER/DBNAME, parts TEMPLATE/SERVER/DBNAME, a template name selecting its expansions.
 * The two "servers" are the test cluster under two names.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { cluster, createDatabase, dropDatabase, withDb } from '../helpers/db.js';

function serversYaml(): string {
  const one = (app: string) => `    host: ${JSON.stringify(cluster.socketDir)}\n    port: ${cluster.port}\n    user: postgres\n    application_name: ${app}\n`;
  return `servers:\n  a:\n${one('pgv-a')}  b:\n${one('pgv-b')}`;
}

const versionOf = (db: string) => withDb(db, async (c) => (await c.query<{ v: string }>('SELECT max(version::int)::text AS v FROM pgv.upgrades')).rows[0]!.v);

test('a fleet: the census names SERVER/DBNAME and its parts; test-and-upgrade TEMPLATE rehearses once per shape of that template only', async () => {
  const eu = [await createDatabase('fc_eu'), await createDatabase('fc_eu'), await createDatabase('fc_eu')];
  const us = [await createDatabase('fc_us'), await createDatabase('fc_us')];
  const dir = makeProject('fleet-census');
  const template = (name: string, server: string, dbs: string[]) => `  ${name}:\n    recipe: schema\n    schema: schema\n    for_each:\n      servers: [${server}]\n      list: [${dbs.join(', ')}]\n`;
  try {
    writeFiles(dir, {
      'schema/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
      'pgv.config.yaml': `${serversYaml()}parts:\n${template('eu', 'a', eu)}${template('us', 'b', us)}`,
    });
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    await withDb(eu[2]!, (c) => c.query('CREATE TABLE audit (id int)'));

    const census = jsonOf(await runPgv(['info', '--fleet', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.census.schema.json', census), []);
    assert.equal(
      census.groups.map((g: { version: string; databases: string[]; parts: string[]; drift?: { differences: { kind: string; name: string; change: string }[] } }) => [g.version, g.databases, g.parts, g.drift?.differences.map((d) => `${d.kind} ${d.name} ${d.change}`) ?? []]),
      [
        ['1', [`a/${eu[0]}`, `a/${eu[1]}`, `b/${us[0]}`, `b/${us[1]}`], [`eu/a/${eu[0]}`, `eu/a/${eu[1]}`, `us/b/${us[0]}`, `us/b/${us[1]}`], []],
        ['1', [`a/${eu[2]}`], [`eu/a/${eu[2]}`], ['tables public.audit extra', 'columns public.audit.id extra']],
      ],
    );
    // A template name on the command line: the census of its expansions only.
    const euOnly = jsonOf(await runPgv(['info', '--fleet', '--json', 'us'], { cwd: dir }));
    assert.equal(euOnly.groups.map((g: { count: number }) => g.count), [2]);

    writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE audit (id int, at timestamptz);\n' });
    const run = await runPgv(['test-and-upgrade', 'eu', '--json'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    const out = jsonOf(run);
    assert.equal(out.shapes.map((s: { parts: string[]; rehearsed_on: string; outcome: string }) => [s.parts, s.rehearsed_on, s.outcome]), [
      [[`eu/a/${eu[0]}`, `eu/a/${eu[1]}`], `eu/a/${eu[0]}`, 'rehearsed'],
      [[`eu/a/${eu[2]}`], `eu/a/${eu[2]}`, 'failed-on-copy'],
    ]);
    assert.equal(await Promise.all([...eu, ...us].map(versionOf)), ['2', '2', '1', '1', '1']);
  } finally {
    for (const db of [...eu, ...us]) await dropDatabase(db);
  }
});

test.run();
