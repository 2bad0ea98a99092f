/** `pgv check` end to end: the real binary against the real test cluster. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAgainst } from '../../lib/config/validate.js';
import { runProgram } from '../../lib/tools/run.js';
import { quoteIdent } from '../../lib/db/ident.js';
import { cliPath, copyFixture, fixtures, jsonOf, makeProject, runPgv, schemaConfig, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { urlFor, type JsonDifference } from '../helpers/check.js';
import { clientProgram, cluster, createDatabase, dropDatabase, uniqueName, withDb } from '../helpers/db.js';

const project = makeProject('check');
const roundtripSql = readFileSync(path.join(fixtures, 'check-roundtrip', 'schema.sql'), 'utf8');

async function databasesLike(pattern: string): Promise<string[]> {
  return withDb('postgres', async (db) => (await db.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [pattern])).rows.map((r) => r.datname));
}

/** pg_dump / pg_restore of the test cluster's version, through pgv's own program runner. */
async function pgTool(name: 'pg_dump' | 'pg_restore', args: string[]): Promise<void> {
  const bin = await clientProgram(name);
  const result = await runProgram(bin, ['-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', ...args]);
  assert.is(result.exitCode, 0, `${name} ${args.join(' ')}: ${result.stderr}`);
}

test('no false positives: a database against its pg_dump/pg_restore copy is identical, every kind included', async () => {
  const original = await createDatabase('ck_rt');
  const copy = await createDatabase('ck_rt_copy');
  const dump = path.join(project, `${original}.dump`);
  try {
    await withDb(original, (db) => db.query(roundtripSql));
    await pgTool('pg_dump', ['-Fc', '-f', dump, original]);
    await pgTool('pg_restore', ['-d', copy, dump]);
    const run = await runPgv(['check', '--db1', urlFor(original), '--db2', urlFor(copy), '--include', 'privileges,comments', '--column-order', '--json'], { cwd: project });
    assert.is(run.code, 0, run.stdout + run.stderr);
    const json = jsonOf(run);
    assert.equal(json.differences, []);
    assert.equal(validateAgainst('pgv.check.schema.json', json), []);
    // Every kind was compared and had objects to compare: the test cannot pass by seeing nothing.
    assert.is(json.kinds.length, 16);
    for (const s of json.summary) assert.ok(s.db1 > 0 && s.db1 === s.db2, `${s.kind}: ${s.db1} vs ${s.db2}`);
    // And a change to the copy is seen.
    await withDb(copy, (db) => db.query('ALTER TABLE app.orders ALTER COLUMN status SET DEFAULT \'new\''));
    const changed = jsonOf(await runPgv(['check', '--db1', urlFor(original), '--db2', urlFor(copy), '--json'], { cwd: project }));
    assert.equal(changed.differences.map((d: JsonDifference) => `${d.kind} ${d.name} ${d.change}`), ['columns app.orders.status different']);
  } finally {
    await dropDatabase(original);
    await dropDatabase(copy);
  }
});

test('no false positives: a database against a fresh build of its own pg_dump --schema-only (pgv check PART)', async () => {
  const db = await createDatabase('ck_dumpref');
  const dir = makeProject('check-dumpref');
  try {
    await withDb(db, (c) => c.query(roundtripSql));
    mkdirSync(path.join(dir, 'schema'));
    await pgTool('pg_dump', ['--schema-only', '-f', path.join(dir, 'schema', 'init.sql'), db]);
    writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema') });
    const run = await runPgv(['check', 'app', '--include', 'privileges,comments'], { cwd: dir });
    assert.is(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, `db1: postgres@[${cluster.socketDir}]:${cluster.port}/${db} (part app)`);
    assert.match(run.stdout, /db2: .*\/ck_dumpref_\d+_\d+_pgv_ref_[0-9a-f]{8} \(a fresh build of part app, dropped afterwards\)/);
    // 166 on PostgreSQL 15; the count of extension-owned and built-in-derived objects varies by major.
    const compared = Number(/Identical: (\d+) objects in 16 kinds compared\./.exec(run.stdout)?.[1] ?? 0);
    assert.ok(compared >= 100, run.stdout);
    assert.equal(await databasesLike(`${db}_pgv_ref_%`), [], 'the reference database is dropped');
  } finally {
    await dropDatabase(db);
  }
});

test('must show: a changed CHECK, a sequence integer → bigint, a longer varchar, a new function body, each under its kind with both definitions', async () => {
  const a = await createDatabase('ck_must_a');
  const b = await createDatabase('ck_must_b');
  const common = (qty: string, seqType: string, len: number, body: string) => `
    CREATE TABLE orders (id int, qty int CONSTRAINT orders_qty_check CHECK (${qty}), note varchar(${len}));
    CREATE SEQUENCE counter AS ${seqType};
    CREATE FUNCTION total(n int) RETURNS int LANGUAGE plpgsql AS $$
    BEGIN
      ${body}
    END $$;`;
  try {
    await withDb(a, (db) => db.query(common('qty > 0', 'integer', 100, 'RETURN n + 1;')));
    await withDb(b, (db) => db.query(common('qty >= 0', 'bigint', 200, 'RETURN n + 2;')));
    const run = await runPgv(['check', '--db1', urlFor(a), '--db2', urlFor(b)], { cwd: project });
    assert.is(run.code, 1, run.stderr);
    const section = (kind: string) => {
      const m = new RegExp(`\\n${kind}: [^\\n]*\\n((?:  [^\\n]*\\n)+)`).exec(run.stdout);
      assert.ok(m, `no ${kind} section in:\n${run.stdout}`);
      return m![1]!;
    };
    assert.match(section('constraints'), '  ~ public.orders.orders_qty_check\n      definition:\n        db1: CHECK (qty > 0)\n        db2: CHECK (qty >= 0)\n');
    assert.match(section('sequences'), '  ~ public.counter\n      type:\n        db1: integer\n        db2: bigint\n');
    assert.match(section('sequences'), '      max:\n        db1: 2147483647\n        db2: 9223372036854775807\n');
    assert.match(section('columns'), '  ~ public.orders.note\n      type:\n        db1: character varying(100)\n        db2: character varying(200)\n');
    assert.match(section('functions'), '  ~ public.total(integer)\n      definition:\n');
    assert.match(section('functions'), '        -       RETURN n + 1;\n        +       RETURN n + 2;\n');
    assert.match(run.stdout, 'constraints: 1 different');
    assert.match(run.stdout, 'Different: 4 differences in 4 kinds.');
  } finally {
    await dropDatabase(a);
    await dropDatabase(b);
  }
});

test('a role that cannot see a schema: pg_catalog still shows all of it, where information_schema hides it', async () => {
  const db = await createDatabase('ck_limited');
  const role = uniqueName('ck_limited_role');
  try {
    await withDb(db, (c) =>
      c.query(`
        CREATE ROLE ${quoteIdent(role)} LOGIN;
        CREATE SCHEMA secret;
        REVOKE ALL ON SCHEMA secret FROM PUBLIC;
        CREATE TABLE secret.payroll (id int PRIMARY KEY, salary numeric(10, 2) CHECK (salary > 0));
        CREATE VIEW secret.totals AS SELECT sum(salary) AS total FROM secret.payroll;
        CREATE FUNCTION secret.raise(p numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT p * 1.1 $$;
        REVOKE EXECUTE ON FUNCTION secret.raise(numeric) FROM PUBLIC;
        CREATE TABLE public.visible (id int);
        REVOKE ALL ON public.visible FROM PUBLIC;`),
    );
    const hidden = await withDb(db, async (c) => {
      await c.query(`SET ROLE ${quoteIdent(role)}`);
      return (await c.query<{ n: number }>("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema IN ('secret', 'public')")).rows[0]!.n;
    });
    assert.is(hidden, 0, 'information_schema hides what the role may not use');
    const run = await runPgv(['check', '--db1', urlFor(db, role), '--db2', urlFor(db), '--include', 'privileges', '--json'], { cwd: project });
    assert.is(run.code, 0, run.stdout + run.stderr);
    const counts = Object.fromEntries(jsonOf(run).summary.map((s: { kind: string; db1: number; db2: number }) => [s.kind, [s.db1, s.db2]]));
    assert.equal(counts.tables, [2, 2]);
    assert.equal(counts.columns, [3, 3]);
    assert.equal(counts.constraints, [2, 2]);
    assert.equal(counts.views, [1, 1]);
    assert.equal(counts.functions, [1, 1]);
    // The limited role sees the secret schema against an empty database.
    const empty = await createDatabase('ck_limited_empty');
    try {
      const against = jsonOf(await runPgv(['check', '--db1', urlFor(db, role), '--db2', urlFor(empty), '--json'], { cwd: project }));
      assert.ok(against.differences.some((d: JsonDifference) => d.name === 'secret.raise(numeric)' && d.db1?.definition !== undefined));
      assert.ok(against.differences.some((d: JsonDifference) => d.name === 'secret.payroll.salary'));
    } finally {
      await dropDatabase(empty);
    }
  } finally {
    await dropDatabase(db);
    await withDb('postgres', (c) => c.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`));
  }
});

test('pgv check PART: identical after apply; a change by hand is reported; the reference is always dropped', async () => {
  const db = uniqueName('ck_part');
  const dir = makeProject('check-part');
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  try {
    const applied = await runPgv(['apply', '-q'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    const same = await runPgv(['check', 'app'], { cwd: dir });
    assert.is(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /Identical: \d+ objects in 14 kinds compared\./);
    await withDb(db, (c) => c.query('ALTER TABLE product ADD COLUMN extra int; CREATE INDEX product_extra_idx ON product (extra)'));
    const changed = await runPgv(['check', 'app', '--json'], { cwd: dir });
    assert.is(changed.code, 1, changed.stderr);
    const json = jsonOf(changed);
    assert.equal(validateAgainst('pgv.check.schema.json', json), []);
    assert.equal(json.differences.map((d: JsonDifference) => `${d.kind} ${d.name} ${d.change}`), ['columns public.product.extra only-in-1', 'indexes public.product_extra_idx only-in-1']);
    assert.equal(await databasesLike(`${db}_pgv_ref_%`), []);
    // The same options as part options.
    writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    ignore: [indexes]\n    exclude_columns: ["product.extra"]\n') });
    const excluded = await runPgv(['check', 'app'], { cwd: dir });
    assert.is(excluded.code, 0, excluded.stdout + excluded.stderr);
    assert.match(excluded.stdout, 'Not compared: indexes, privileges, comments');
  } finally {
    await dropDatabase(db);
  }
});

test('pgv check PART: a reference that fails to build names the script, exits 3 and leaves no database', async () => {
  const db = await createDatabase('ck_badref');
  const dir = makeProject('check-badref');
  writeFiles(dir, { 'schema/init.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id no_such_type);\n', 'pgv.config.yaml': schemaConfig(db, 'schema') });
  try {
    const run = await runPgv(['check', 'app'], { cwd: dir });
    assert.is(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, 'pgv: error: building the reference of part app failed: ');
    assert.match(run.stderr, /init\.sql:2:\d+: type "no_such_type" does not exist/);
    assert.equal(await databasesLike(`${db}_pgv_ref_%`), []);
  } finally {
    await dropDatabase(db);
  }
});

test('pgv check PART: interrupted (SIGINT) while the reference is being built, it still drops it', async () => {
  const db = await createDatabase('ck_sigint');
  const dir = makeProject('check-sigint');
  writeFiles(dir, { 'schema/init.sql': 'CREATE TABLE a (id int);\nSELECT pg_sleep(30);\n', 'pgv.config.yaml': schemaConfig(db, 'schema') });
  try {
    const child = spawn(process.execPath, [cliPath, 'check', 'app'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : -1))));
    const started = Date.now();
    while ((await databasesLike(`${db}_pgv_ref_%`)).length === 0) {
      assert.ok(Date.now() - started < 20_000, 'the reference database never appeared');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGINT');
    assert.is(await exited, 130);
    assert.equal(await databasesLike(`${db}_pgv_ref_%`), []);
  } finally {
    await dropDatabase(db);
  }
});

test('pgv check PART: the part\'s database must exist (exit 3, named)', async () => {
  const db = uniqueName('ck_missing');
  const dir = makeProject('check-missing');
  writeFiles(dir, {
    'schema/init.sql': 'CREATE TABLE a (id int);\n',
    'deltas/delta_1.0.0.sql': 'CREATE TABLE a (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema') + `  legacy:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n`,
  });
  const missing = await runPgv(['check', 'app'], { cwd: dir });
  assert.is(missing.code, 3);
  assert.match(missing.stderr, `pgv: error: part app: database "${db}" does not exist`);
  assert.match(missing.stderr, 'pgv apply app');
  assert.equal(await databasesLike(`${db}%`), []);
});

test('pgv check PART of a deltas part: against its reference: files, or all its deltas from empty', async () => {
  const db = uniqueName('ck_deltas');
  const dir = makeProject('check-deltas');
  writeFiles(dir, {
    'deltas/delta_1.0.0.sql': 'CREATE TABLE a (id int);\n',
    'deltas/delta_1.1.0_b.sql': "ALTER TABLE a ADD COLUMN b text DEFAULT :'dflt';\n",
    'reference.sql': "CREATE TABLE a (id int, b text DEFAULT :'dflt');\n",
    'pgv.config.yaml': `${testConnectionYaml()}parts:\n  legacy:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n    create: true\n    variables: { dflt: x }\n`,
  });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    const fromDeltas = await runPgv(['check', 'legacy'], { cwd: dir });
    assert.is(fromDeltas.code, 0, fromDeltas.stdout + fromDeltas.stderr);
    writeFiles(dir, { 'pgv.config.yaml': `${testConnectionYaml()}parts:\n  legacy:\n    recipe: deltas\n    dbname: ${db}\n    deltas: deltas\n    reference: reference.sql\n    variables: { dflt: x }\n` });
    const fromFile = await runPgv(['check', 'legacy', '--json'], { cwd: dir });
    assert.is(fromFile.code, 0, fromFile.stdout + fromFile.stderr);
    assert.is(jsonOf(fromFile).identical, true);
    writeFiles(dir, { 'reference.sql': "CREATE TABLE a (id int, b varchar(10) DEFAULT :'dflt');\n" });
    const drift = await runPgv(['check', 'legacy', '--json'], { cwd: dir });
    assert.is(drift.code, 1, drift.stderr);
    assert.equal(jsonOf(drift).differences.map((d: { kind: string; name: string; change: string }) => `${d.kind} ${d.name} ${d.change}`), ['columns public.a.b different']);
    assert.equal(await databasesLike(`${db}_pgv_ref_%`), [], 'the reference is dropped');
  } finally {
    await dropDatabase(db);
  }
});

test('--db1/--db2: bare names resolve against the config; pgv\'s ledger (upgrades_table) is not compared', async () => {
  const managed = uniqueName('ck_managed');
  const plain = await createDatabase('ck_plain');
  const dir = makeProject('check-ledger');
  writeFiles(dir, {
    'schema/init.sql': 'CREATE TABLE a (id int PRIMARY KEY, b text);\n',
    'pgv.config.yaml': schemaConfig(managed, 'schema', '    create: true\n    upgrades_table: meta.ledger\n'),
  });
  try {
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    await withDb(plain, (c) => c.query('CREATE TABLE a (id int PRIMARY KEY, b text)'));
    const run = await runPgv(['check', '--db1', managed, '--db2', plain, '--include', 'privileges,comments'], { cwd: dir });
    assert.is(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, `db1: postgres@[${cluster.socketDir}]:${cluster.port}/${managed}`);
    // Without the config the ledger's schema and table are ordinary objects.
    const bare = jsonOf(await runPgv(['check', '--db1', urlFor(managed), '--db2', urlFor(plain), '--json'], { cwd: project }));
    assert.ok(bare.differences.some((d: JsonDifference) => d.kind === 'tables' && d.name === 'meta.ledger'));
  } finally {
    await dropDatabase(managed);
    await dropDatabase(plain);
  }
});

test('a database that does not exist: exit 3, named, in text and JSON', async () => {
  const db = await createDatabase('ck_exists');
  try {
    const run = await runPgv(['check', '--db1', urlFor(db), '--db2', urlFor('ck_no_such_db')], { cwd: project });
    assert.is(run.code, 3);
    assert.match(run.stderr, 'pgv: error: db2: database "ck_no_such_db" does not exist (postgres@');
    const json = await runPgv(['check', '--db1', urlFor('ck_no_such_db'), '--db2', urlFor(db), '--json'], { cwd: project });
    assert.is(json.code, 3);
    assert.equal(jsonOf(json).error.code, 'database_missing');
    assert.equal(jsonOf(json).error.data, { side: 'db1', database: 'ck_no_such_db' });
  } finally {
    await dropDatabase(db);
  }
});

test('usage errors exit 2: unknown kind (with a suggestion), PART with --db1, a missing --db2, two parts', async () => {
  const cases: Array<[string[], string | RegExp]> = [
    [['check', '--db1', 'a', '--db2', 'b', '--ignore', 'tables,tabels'], 'unknown kind "tabels" in --ignore'],
    [['check', '--db1', 'a', '--db2', 'b', '--include', 'comment'], 'Did you mean "comments"?'],
    [['check', 'app', '--db1', 'a'], 'either PART or --db1 and --db2, not both'],
    [['check', '--db1', 'a'], '--db2 is missing'],
    [['check'], 'pgv check needs a PART or --db1 and --db2'],
    [['check', 'a', 'b'], 'takes one PART, not 2'],
    [['check', '--db1', 'a', '--db2', 'b', '--colum-order'], 'Did you mean --column-order?'],
  ];
  for (const [args, message] of cases) {
    const run = await runPgv(args, { cwd: project });
    assert.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});

test('pgv check --help lists the options and the exit codes', async () => {
  const run = await runPgv(['check', '--help']);
  assert.is(run.code, 0);
  for (const text of ['--ignore KIND', '--include KIND', '--exclude-schema', '--exclude-column PATTERN', '--column-order', '--ignore-generated-names', 'Exit codes:\n  0    identical\n  1    different', '130  interrupted']) {
    assert.match(run.stdout, text);
  }
});

test.run();
