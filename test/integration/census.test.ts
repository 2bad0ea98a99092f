/** `pgv info --fleet`: the census of many databases, grouped by (version, schema fingerprint), against the real server. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst } from '../../lib/config/validate.js';
import { jsonOf, makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName, withDb } from '../helpers/db.js';

/** A config of one schema part per database, all on the same scripts; `unreachable` adds a part on a server that is not there. */
function tenantsConfig(dbs: readonly string[], unreachable?: string): string {
  const parts = dbs.map((db, i) => `  t${i + 1}:\n    recipe: schema\n    dbname: ${db}\n    schema: schema\n    create: true\n`).join('');
  const down = unreachable ? `  down:\n    recipe: schema\n    dbname: ${unreachable}\n    schema: schema\n    connection:\n      host: /nonexistent/pgv-census-socket\n      port: 5999\n` : '';
  return `${testConnectionYaml()}parts:\n${parts}${down}`;
}

const byLabel = (g: { databases: string[] }) => g.databases.join(',');

test('info --fleet: two shapes at one version and a hand-drifted database are three groups; ledger durations do not count; an unreachable database is a line of its own', async () => {
  const dbs = Array.from({ length: 6 }, (_, i) => uniqueName(`census${i + 1}`));
  const down = uniqueName('census_down');
  const dir = makeProject('census');
  try {
    // Generation 1 for t1, t2, t3 and t6.
    writeFiles(dir, {
      'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
      'schema/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
      'pgv.config.yaml': tenantsConfig(dbs),
    });
    assert.is((await runPgv(['apply', 't1', 't2', 't3', 't6'], { cwd: dir })).code, 0);
    // Generation 2: the update gives the column a default that the new init.sql forgot, so the
    // databases built fresh (t4, t5) have another shape than the upgraded ones at the same version.
    writeFiles(dir, {
      'schema/update2.sql': "ALTER TABLE item ADD COLUMN note text DEFAULT '';\n",
      'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY, note text);\n',
    });
    const applied = await runPgv(['apply'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    // t6 drifts by hand; t2's ledger says its scripts took much longer (same scripts, same schema).
    await withDb(dbs[5]!, (c) => c.query('ALTER TABLE item ADD COLUMN extra int'));
    await withDb(dbs[1]!, (c) => c.query('UPDATE pgv.upgrades SET duration_ms = duration_ms + 99999, installed_at = installed_at - interval \'3 days\''));

    writeFiles(dir, { 'pgv.config.yaml': tenantsConfig(dbs, down) });
    const run = await runPgv(['info', '--fleet', '--json', '--concurrency', '3'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    // Nothing but pgv's own report on stderr (pg warns when a session that is not pipelined gets queries at once).
    assert.not.match(run.stderr, 'Warning');
    const out = jsonOf(run);
    assert.equal(validateAgainst('pgv.census.schema.json', out), []);
    const [upgraded, fresh, drifted] = out.groups.map((g: { fingerprint: string }) => g.fingerprint);
    assert.is(new Set([upgraded, fresh, drifted]).size, 3);
    for (const f of [upgraded, fresh, drifted]) assert.match(f, /^[0-9a-f]{64}$/);
    assert.equal(out, {
      groups: [
        { version: '2', fingerprint: upgraded, count: 3, databases: [dbs[0], dbs[1], dbs[2]], parts: ['t1', 't2', 't3'] },
        { version: '2', fingerprint: fresh, count: 2, databases: [dbs[3], dbs[4]], parts: ['t4', 't5'], drift: { majority: upgraded, differences: [{ kind: 'columns', name: 'public.item.note', change: 'different' }] } },
        { version: '2', fingerprint: drifted, count: 1, databases: [dbs[5]], parts: ['t6'], drift: { majority: upgraded, differences: [{ kind: 'columns', name: 'public.item.extra', change: 'extra' }] } },
      ],
      unreadable: [{ database: down, part: 'down', error: out.unreadable[0].error }],
    });
    assert.is(out.unreadable[0].error.code, 'connection_failed');
    assert.match(out.unreadable[0].error.message, '/nonexistent/pgv-census-socket');

    // The text: a line per group, the drift named, the unreadable database with its error.
    const text = await runPgv(['info', '--fleet'], { cwd: dir });
    assert.is(text.code, 3);
    const lines = text.stdout.split('\n');
    assert.is(lines[0], '7 databases: 3 groups by (version, schema fingerprint) over 1 version, 1 unreadable');
    assert.match(lines[1]!, `version 2 · ${upgraded.slice(0, 12)}: 3 databases: ${dbs.slice(0, 3).join(', ')}`);
    assert.match(text.stdout, `drifted: same version as version 2 · ${upgraded.slice(0, 12)} (3), different schema: columns public.item.extra (only in this group)`);
    assert.match(text.stdout, `✖ ${down} (part down): could not be read:`);

    // The ledger is not part of the fingerprint, and equal schemas in other databases match.
    const again = jsonOf(await runPgv(['info', '--fleet', '--json', 't1', 't2', 't4'], { cwd: dir }));
    assert.equal(again.groups.map(byLabel), [`${dbs[0]},${dbs[1]}`, dbs[3]]);
    assert.is(again.unreadable.length, 0);
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
});

test('info --fleet: a missing database is its own group (no fingerprint); a text list of many members is abbreviated, the JSON complete', async () => {
  const dbs = Array.from({ length: 10 }, (_, i) => uniqueName(`censusm${i}`));
  const dir = makeProject('census');
  try {
    writeFiles(dir, { 'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n', 'schema/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n', 'pgv.config.yaml': tenantsConfig(dbs) });
    assert.is((await runPgv(['apply', ...dbs.slice(0, 9).map((_, i) => `t${i + 1}`)], { cwd: dir })).code, 0);
    const out = jsonOf(await runPgv(['info', '--fleet', '--json'], { cwd: dir }));
    assert.equal(out.groups.map((g: { version: string | null; fingerprint: string | null; count: number }) => [g.version, g.fingerprint === null, g.count]), [[null, true, 1], ['1', false, 9]]);
    assert.equal(out.groups[1].databases, dbs.slice(0, 9));
    const text = await runPgv(['info', '--fleet'], { cwd: dir });
    assert.is(text.code, 0, text.stderr);
    assert.match(text.stdout, `missing (no database): 1 database: ${dbs[9]}`);
    assert.match(text.stdout, `9 databases: ${dbs.slice(0, 8).join(', ')}, … and 1 more (--json lists them all)`);
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
});

test('info: --concurrency without --fleet is a usage error', async () => {
  const dir = makeProject('census');
  writeFiles(dir, { 'schema/init.sql': 'SELECT 1;\n', 'pgv.config.yaml': tenantsConfig(['census_unused']) });
  const run = await runPgv(['info', '--concurrency', '2'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, '--concurrency goes with --fleet');
});

test.run();
