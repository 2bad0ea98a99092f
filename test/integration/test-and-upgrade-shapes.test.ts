/** `pgv test-and-upgrade` over many parts: one rehearsal per shape, then the members of the shapes that passed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { dropDatabase, tablesOf, uniqueName, withDb } from '../helpers/db.js';

function tenantsConfig(dbs: readonly string[]): string {
  return `${testConnectionYaml()}parts:\n${dbs.map((db, i) => `  t${i + 1}:\n    recipe: schema\n    dbname: ${db}\n    schema: schema\n    create: true\n`).join('')}`;
}

/** The ledger's versions and the columns of item: what an upgrade changes. */
async function stateOf(db: string): Promise<string> {
  return withDb(db, async (c) => {
    const versions = (await c.query<{ v: string }>('SELECT string_agg(version, \',\' ORDER BY id) AS v FROM pgv.upgrades')).rows[0]!.v;
    const columns = (await c.query<{ c: string }>("SELECT string_agg(attname, ',' ORDER BY attnum) AS c FROM pg_attribute WHERE attrelid = 'public.item'::regclass AND attnum > 0 AND NOT attisdropped")).rows[0]!.c;
    return `${versions} | ${columns}`;
  });
}

async function throwaways(): Promise<string[]> {
  return withDb('postgres', async (c) => (await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE '%\\_pgv\\_%' AND datname LIKE 'shape%'")).rows.map((r) => r.datname));
}

test('test-and-upgrade over two shapes whose second fails on its copy: one rehearsal per shape, the first shape\'s members upgraded, the second\'s untouched, exit 3', async () => {
  const dbs = Array.from({ length: 5 }, (_, i) => uniqueName(`shape${i + 1}`));
  const dir = makeProject('shapes');
  try {
    writeFiles(dir, {
      'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
      'schema/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n',
      'pgv.config.yaml': tenantsConfig(dbs),
    });
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    // t4 and t5 got an audit table by hand: a second shape at version 1, on which update2 fails.
    for (const db of dbs.slice(3)) await withDb(db, (c) => c.query('CREATE TABLE audit (id int)'));
    writeFiles(dir, {
      'schema/update2.sql': 'CREATE TABLE audit (id int, at timestamptz);\nALTER TABLE item ADD COLUMN note text;\n',
      'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY, note text);\nCREATE TABLE audit (id int, at timestamptz);\n',
    });
    const before = await Promise.all(dbs.map(stateOf));

    const run = await runPgv(['test-and-upgrade', '--json-lines', '--concurrency', '2'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // Observed in the events: exactly one copy per shape, of the shape's first member.
    const copies = lines.filter((e) => e.type === 'step-started' && e.step.kind === 'rehearse' && e.step.title.startsWith('copy production to '));
    assert.equal(copies.map((e) => e.part), ['t1', 't4']);
    const summary = lines.at(-1);
    assert.is(summary.ok, false);
    assert.equal(
      summary.shapes.map((s: { version: string; count: number; parts: string[]; rehearsed_on: string; outcome: string; passed: boolean }) => [s.version, s.count, s.parts, s.rehearsed_on, s.outcome, s.passed]),
      [
        ['1', 3, ['t1', 't2', 't3'], 't1', 'rehearsed', true],
        ['1', 2, ['t4', 't5'], 't4', 'failed-on-copy', false],
      ],
    );
    assert.match(summary.shapes[1].error.message, 'audit');
    assert.equal(summary.apply.parts.map((p: { name: string; status: string }) => [p.name, p.status]), [['t1', 'applied'], ['t2', 'applied'], ['t3', 'applied']]);

    // The first shape upgraded; the second exactly as before; no throwaway database left.
    for (const db of dbs.slice(0, 3)) assert.is(await stateOf(db), '1,2 | id,note');
    assert.equal(await Promise.all(dbs.slice(3).map(stateOf)), before.slice(3));
    assert.equal(await tablesOf(dbs[3]!), ['pgv.upgrades', 'public.audit', 'public.item']);
    assert.equal(await throwaways(), []);

    // Again: the first shape is up to date, the second still fails; the text says so.
    const text = await runPgv(['test-and-upgrade'], { cwd: dir });
    assert.is(text.code, 3);
    // By version: the failing shape (still at 1) comes first now.
    assert.match(text.stdout, /shape 1\/2: version 1 · [0-9a-f]{12}, 2 databases \(.*\): rehearsed on a copy of \S+: the upgrade failed on the copy .*; not touched/);
    assert.match(text.stdout, /shape 2\/2: version 2 · [0-9a-f]{12}, 3 databases \(.*\): up to date; nothing to rehearse/);
    assert.match(text.stdout, '3 of 5 databases rehearsed and upgraded (or up to date); 2 not touched: shape 1.');
    assert.match(text.stderr, `── shape 1/2: version 1, 2 databases, represented by ${dbs[3]}`);
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
});

test('test-and-upgrade over parts of one shape: one rehearsal, every member upgraded, exit 0; one named part keeps the single-part report', async () => {
  const dbs = Array.from({ length: 3 }, (_, i) => uniqueName(`shapeok${i + 1}`));
  const dir = makeProject('shapes');
  try {
    writeFiles(dir, { 'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n', 'schema/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n', 'pgv.config.yaml': tenantsConfig(dbs) });
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'schema/update2.sql': 'ALTER TABLE item ADD COLUMN note text;\n', 'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY, note text);\n' });
    const single = await runPgv(['test-and-upgrade', 't3', '--json'], { cwd: dir });
    assert.is(single.code, 0, single.stderr);
    assert.is(JSON.parse(single.stdout).part, 't3');
    const run = await runPgv(['test-and-upgrade', 't1', 't2', 't3', '--json'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.shapes.map((s: { parts: string[]; outcome: string }) => [s.parts, s.outcome]), [[['t1', 't2'], 'rehearsed'], [['t3'], 'up-to-date']]);
    for (const db of dbs) assert.is(await stateOf(db), '1,2 | id,note');
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
});

test('test-and-upgrade keeps the rollout: the canary group is upgraded before the others start', async () => {
  const dbs = Array.from({ length: 3 }, (_, i) => uniqueName(`shapero${i + 1}`));
  const dir = makeProject('shapes');
  try {
    const rollout = `rollout:\n  - match: "${dbs[0]}"\n    on_error: stop\n  - match: "*"\n    on_error: continue\n`;
    writeFiles(dir, { 'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n', 'schema/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY);\n', 'pgv.config.yaml': tenantsConfig(dbs) + rollout });
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'schema/update2.sql': 'ALTER TABLE item ADD COLUMN note text;\n', 'schema/init.sql': 'CREATE TABLE item (id int PRIMARY KEY, note text);\n' });
    const run = await runPgv(['test-and-upgrade', '--json-lines', '--concurrency', '3'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; part?: string });
    const canaryDone = events.findLastIndex((e) => e.type === 'part-finished' && e.part === 't1');
    const othersStart = events.findIndex((e) => e.type === 'part-started' && (e.part === 't2' || e.part === 't3'));
    assert.ok(canaryDone >= 0 && othersStart >= 0, run.stdout);
    assert.ok(canaryDone < othersStart, `the canary t1 finished at event ${canaryDone}, t2/t3 started at ${othersStart}`);
    for (const db of dbs) assert.is(await stateOf(db), '1,2 | id,note');
  } finally {
    for (const db of dbs) await dropDatabase(db);
  }
});

test.run();
