/**
 * `pgv dump` and `pgv restore` end to end: the real binary, the real pg_dump / pg_restore / psql,
 * the test cluster. A round trip must give the same schema (pg_dump --schema-only, normalized)
 * and the same data (row count and md5 of every table, every sequence's position).
 */
import { readFileSync, readdirSync, writeFileSync, existsSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtures, jsonOf, makeProject, runPgv, spawnPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { cluster, createDatabase, databaseExists, dropDatabase, uniqueName, withDb, specFor } from '../helpers/db.js';
import { quoteIdent } from '../../lib/db/ident.js';
import { findClientTool } from '../../lib/dump/tools.js';
import { dumpDatabase, restoreDatabase } from '../../lib/dump/index.js';
import { runProgram } from '../../lib/tools/run.js';
import { isPgvError } from '../../lib/errors.js';

const password = 'not-in-argv-7f3a9c';

/** A project whose config reaches the test cluster (with a password, which the trusting cluster ignores). */
function project(): string {
  const dir = makeProject('dump');
  writeFiles(dir, {
    'pgv.config.yaml': `${testConnectionYaml()}  password: ${password}\nparts:\n  app:\n    recipe: schema\n    dbname: placeholder\n    schema: schema\n`,
    'schema/.keep': '',
  });
  return dir;
}

/** The sample: fixtures/pgdump/source.sql (most object kinds) plus generated rows in every table. */
async function createSample(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await withDb('postgres', (db) => db.query(`CREATE DATABASE ${quoteIdent(name)}`));
  await withDb(name, async (db) => {
    await db.query(readFileSync(path.join(fixtures, 'pgdump', 'source.sql'), 'utf8'));
    await db.query(`
      INSERT INTO "Sales; Dept".customer (name, email, address)
        SELECT 'customer ' || g, 'c' || g || '@example.org', ROW('street ' || g, 'city ' || (g % 7), lpad(g::text, 5, '0'))::"Sales; Dept".address
          FROM generate_series(1, 300) g;
      INSERT INTO "Sales; Dept"."order" (customer_id, status, total, placed_on)
        SELECT 1 + g % 300, (ARRAY['new', 'paid', 'shipped', 'it''s late'])[1 + g % 4]::"Sales; Dept".status, (g % 900) + 0.5, DATE '2025-01-01' + (g % 700)
          FROM generate_series(1, 3000) g;
      INSERT INTO audit.special_event (payload, severity) SELECT jsonb_build_object('n', g, 'text', E'tab\\there ''quoted'''), g % 3 FROM generate_series(1, 50) g;
      SELECT nextval('"Sales; Dept".invoice_no') FROM generate_series(1, 3);
      REFRESH MATERIALIZED VIEW "Sales; Dept".revenue;`);
  });
  return name;
}

/** pg_dump --schema-only without what differs between any two dumps (\restrict keys, version comments). */
async function schemaOf(dbname: string): Promise<string> {
  const tool = await findClientTool('pg_dump', undefined, process.env);
  const run = await runProgram(tool.path, ['--schema-only', '--no-password', '-h', cluster.socketDir, '-p', String(cluster.port), '-U', 'postgres', dbname]);
  assert.is(run.exitCode, 0, run.stderr);
  return run.stdout
    .split('\n')
    .filter((l) => !/^\\(un)?restrict /.test(l) && !/^-- Dumped (from|by) /.test(l))
    .join('\n');
}

/** Per table: row count and md5 of its rows in a stable order; per sequence: its position. */
async function dataOf(dbname: string): Promise<Record<string, string>> {
  return withDb(dbname, async (db) => {
    const out: Record<string, string> = {};
    const tables = await db.query<{ q: string }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS q FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND c.relispopulated AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' ORDER BY 1`,
    );
    for (const { q } of tables.rows) {
      const { rows } = await db.query<{ n: string; md5: string }>(`SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5 FROM ONLY ${q} t`);
      out[q] = `${rows[0]!.n} rows, md5 ${rows[0]!.md5}`;
    }
    const seqs = await db.query<{ q: string; v: string }>(`SELECT schemaname || '.' || sequencename AS q, coalesce(last_value::text, 'unused') AS v FROM pg_sequences ORDER BY 1`);
    for (const s of seqs.rows) out[`sequence ${s.q}`] = s.v;
    return out;
  });
}

async function assertSameDatabase(copy: string, source: string): Promise<void> {
  assert.fixture(await schemaOf(copy), await schemaOf(source));
  const [a, b] = [await dataOf(copy), await dataOf(source)];
  assert.equal(a, b);
  assert.ok(Object.keys(b).length >= 8, 'the sample has tables and sequences to compare');
  assert.match(b['"Sales; Dept".order_2025']!, /^\d{3,} rows/, 'the sample has data');
}

for (const format of ['custom', 'directory', 'plain', 'tar'] as const) {
  test(`round trip in ${format} format: same schema, same data`, async () => {
    const source = await createSample(`src_${format}`);
    const copy = uniqueName(`copy_${format}`);
    const dir = project();
    const file = path.join(dir, `sample.${format}`);
    try {
      const dumped = await runPgv(['dump', '--db', source, '-f', file, '--format', format, '--json'], { cwd: dir });
      assert.is(dumped.code, 0, dumped.stderr);
      const d = jsonOf(dumped);
      assert.equal({ database: d.database, file: d.file, format: d.format }, { database: source, file, format });
      assert.ok(d.bytes > 10_000 && Number.isInteger(d.duration_ms), JSON.stringify(d));
      assert.equal(readdirSync(dir).filter((n) => n.includes('pgv-partial')), [], 'no partial output left');

      const restored = await runPgv(['restore', '--db', copy, '--create', '-f', file, '--json'], { cwd: dir });
      assert.is(restored.code, 0, restored.stderr);
      const r = jsonOf(restored);
      assert.equal({ database: r.database, format: r.format, created: r.created, warnings: r.warnings }, { database: copy, format, created: true, warnings: [] });
      if (format === 'plain') assert.is(r.objects, null);
      else assert.ok(r.objects >= 50, `objects: ${r.objects}`);
      await assertSameDatabase(copy, source);
    } finally {
      await dropDatabase(source);
      await dropDatabase(copy);
    }
  });
}

test('--jobs: a directory dump and its restore with two workers each', async () => {
  const source = await createSample('src_jobs');
  const copy = uniqueName('copy_jobs');
  const dir = project();
  const target = path.join(dir, 'parallel');
  try {
    const dumped = await runPgv(['dump', '--db', source, '-f', target, '--format', 'directory', '--jobs', '2'], { cwd: dir });
    assert.is(dumped.code, 0, dumped.stderr);
    assert.match(dumped.stdout, /dumped src_jobs_\d+_\d+ to .*parallel \(directory, [\d.]+ KiB\)/);
    assert.ok(existsSync(path.join(target, 'toc.dat')));
    const restored = await runPgv(['restore', '--db', copy, '--create', '-f', target, '--jobs', '2', '-v'], { cwd: dir });
    assert.is(restored.code, 0, restored.stderr);
    // -v prints every object as pg_restore reports it; the last one reaches the total.
    const total = /\(directory, (\d+) objects\)/.exec(restored.stderr)?.[1];
    assert.ok(total, restored.stderr);
    assert.match(restored.stderr, `${total}/${total} objects (100%)`);
    await assertSameDatabase(copy, source);
  } finally {
    await dropDatabase(source);
    await dropDatabase(copy);
  }
});

test('a target with user objects is refused (exit 3, naming them); --clean then replaces the dump\'s objects', async () => {
  const source = await createSample('src_clean');
  const target = await createSample('target_clean');
  const dir = project();
  const file = path.join(dir, 'sample.dump');
  try {
    assert.is((await runPgv(['dump', '--db', source, '-f', file], { cwd: dir })).code, 0);
    await withDb(target, (db) => db.query(`DELETE FROM "Sales; Dept"."order" WHERE id % 2 = 0; CREATE TABLE public.extra (id int)`));
    const refused = await runPgv(['restore', '--db', target, '-f', file], { cwd: dir });
    assert.is(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, new RegExp(`database "${target}" is not empty: it has 7 tables, 4 sequences, `));
    assert.match(refused.stderr, 'table public.extra');
    assert.match(refused.stderr, 'pass --clean');
    assert.not.match(refused.stderr, /\n\s+at /, 'no stack trace');

    const cleaned = await runPgv(['restore', '--db', target, '-f', file, '--clean', '--json'], { cwd: dir });
    assert.is(cleaned.code, 0, cleaned.stderr);
    // pg_restore --clean drops a partition's inherited key before its parent's and fails; harmless, reported.
    const warnings: string[] = jsonOf(cleaned).warnings;
    assert.ok(warnings.every((w) => w.startsWith('ignored while dropping: ')), warnings.join('\n'));
    const data = await dataOf(target);
    assert.is(data['public.extra'], '0 rows, md5 d41d8cd98f00b204e9800998ecf8427e', 'objects that are not in the dump stay');
    delete data['public.extra'];
    assert.equal(data, await dataOf(source));

    // A conflict that dropping cannot resolve (a view where the dump has a table) fails the restore.
    await dropDatabase(target);
    await withDb('postgres', (db) => db.query(`CREATE DATABASE ${quoteIdent(target)}`));
    await withDb(target, (db) => db.query('CREATE SCHEMA audit; CREATE VIEW audit.event AS SELECT 1 AS x'));
    const conflict = await runPgv(['restore', '--db', target, '-f', file, '--clean'], { cwd: dir });
    assert.is(conflict.code, 3, conflict.stderr);
    assert.match(conflict.stderr, `could not restore ${file} into "${target}": pg_restore exited with 1`);
    // The server's wording: PostgreSQL 15 and newer, then 14.
    assert.match(conflict.stderr, /pg_restore: error: (ALTER action DROP CONSTRAINT cannot be performed on relation "event"|.*"event" is not a table or foreign table)/);
    // What was restored, counted against the archive's table of contents, not "may be partly restored".
    const counted = /of the archive's (\d+) entries it restored (\d+); the (\d+) above failed\./.exec(conflict.stderr);
    assert.ok(counted, conflict.stderr);
    const [entries, restored, failed] = counted!.slice(1).map(Number);
    assert.ok(restored! > 0 && failed! > 0 && restored! + failed! <= entries!, counted![0]);
    // Rows: counted in the target for the archive's 5 tables' data; the 2 whose data failed named.
    const sourceRows = await withDb(source, async (db) => Number((await db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM ONLY "Sales; Dept".customer) + (SELECT count(*) FROM ONLY "Sales; Dept".order_2025) + (SELECT count(*) FROM ONLY "Sales; Dept".order_2026) AS n`)).rows[0]!.n));
    assert.ok(sourceRows > 3000, String(sourceRows));
    assert.match(conflict.stderr, `Table data: ${sourceRows.toLocaleString('en-US')} rows in 3 of the archive's 5 tables (count(*) of each in the target); the data of 2 failed: audit.event (no such table in the target), audit.special_event (no such table in the target).`);
    const conflictJson = jsonOf(await runPgv(['restore', '--db', target, '-f', file, '--clean', '--json'], { cwd: dir }));
    assert.equal(conflictJson.error.data.tables, [
      { table: '"Sales; Dept".customer', rows: 300, estimated: false, failed: false },
      { table: '"Sales; Dept".order_2025', rows: await withDb(source, async (db) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ONLY "Sales; Dept".order_2025')).rows[0]!.n)), estimated: false, failed: false },
      { table: '"Sales; Dept".order_2026', rows: await withDb(source, async (db) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ONLY "Sales; Dept".order_2026')).rows[0]!.n)), estimated: false, failed: false },
      { table: 'audit.event', rows: null, estimated: false, failed: true },
      { table: 'audit.special_event', rows: null, estimated: false, failed: true },
    ]);

    // A table that --clean cannot drop (a view outside the dump depends on it) and whose data the
    // target rejects: its data entry failed, and the table is there with the rows it has.
    await dropDatabase(target);
    await withDb('postgres', (db) => db.query(`CREATE DATABASE ${quoteIdent(target)}`));
    await withDb(target, (db) => db.query(`CREATE SCHEMA "Sales; Dept"; CREATE TABLE "Sales; Dept".customer (id int CHECK (id < 0), name text, email text, address text);
      INSERT INTO "Sales; Dept".customer VALUES (-1, 'kept', 'k@example.org', NULL); CREATE VIEW public.customers AS SELECT id FROM "Sales; Dept".customer`));
    const rejected = await runPgv(['restore', '--db', target, '-f', file, '--clean'], { cwd: dir });
    assert.is(rejected.code, 3, rejected.stderr);
    assert.match(rejected.stderr, /; the data of 1 failed: "Sales; Dept"\.customer \(1 row there now\)\./);
    assert.match(rejected.stderr, /Table data: [\d,]+ rows in 4 of the archive's 5 tables \(count\(\*\) of each in the target\)/);
  } finally {
    await dropDatabase(source);
    await dropDatabase(target);
  }
});

test('--clean past errors: a table over 64 MB is not counted but estimated after ANALYZE, and the message says so', async () => {
  const source = await createDatabase('src_big');
  const target = await createDatabase('target_big');
  const dir = project();
  const file = path.join(dir, 'big.dump');
  try {
    // ~75 MB of heap (1000-byte rows stay inline: below the TOAST threshold), and a small table.
    await withDb(source, (db) => db.query("CREATE TABLE big (id int, pad text); INSERT INTO big SELECT g, repeat('x', 1000) FROM generate_series(1, 70000) g; CREATE TABLE small (id int); INSERT INTO small SELECT generate_series(1, 7)"));
    assert.is((await runPgv(['dump', '--db', source, '-f', file, '-q'], { cwd: dir })).code, 0);
    await withDb(target, (db) => db.query('CREATE VIEW small AS SELECT 1 AS id'));
    const run = await runPgv(['restore', '--db', target, '-f', file, '--clean', '--json'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    const error = jsonOf(run).error;
    const [big, small] = error.data.tables;
    assert.equal({ ...big, rows: 0 }, { table: 'public.big', rows: 0, estimated: true, failed: false });
    assert.ok(Math.abs(big.rows - 70000) <= 3500, `reltuples after ANALYZE: ${big.rows}`);
    assert.equal(small, { table: 'public.small', rows: null, estimated: false, failed: true });
    assert.match(error.hint, `Table data: ≈ ${big.rows.toLocaleString('en-US')} rows in 1 of the archive's 2 tables (count(*) of each; ≈: 1 table over 64 MB, estimated after ANALYZE in the target); the data of 1 failed: public.small (no such table in the target).`);
  } finally {
    await dropDatabase(source);
    await dropDatabase(target);
  }
});

test('a missing target database: exit 3 naming it; --create creates it from template0', async () => {
  const source = await createSample('src_create');
  const copy = uniqueName('copy_create');
  const dir = project();
  const file = path.join(dir, 'sample.dump');
  try {
    assert.is((await runPgv(['dump', '--db', source, '-f', file, '-q'], { cwd: dir })).code, 0);
    const missing = await runPgv(['restore', '--db', copy, '-f', file], { cwd: dir });
    assert.is(missing.code, 3);
    assert.match(missing.stderr, `database "${copy}" does not exist`);
    assert.match(missing.stderr, 'Pass --create');
    assert.not.ok(await databaseExists(copy));
    const created = await runPgv(['restore', '--db', copy, '-f', file, '--create'], { cwd: dir });
    assert.is(created.code, 0, created.stderr);
    assert.match(created.stdout, `into new database ${copy} in `);
    assert.equal(await dataOf(copy), await dataOf(source));
    // A second --create restore finds it there, and not empty.
    const again = await runPgv(['restore', '--db', copy, '-f', file, '--create'], { cwd: dir });
    assert.is(again.code, 3);
    assert.match(again.stderr, 'is not empty');
  } finally {
    await dropDatabase(source);
    await dropDatabase(copy);
  }
});

test('PART: dump the part\'s database, restore into the part\'s (refused when it is not empty)', async () => {
  const source = await createSample('src_part');
  const dir = makeProject('dumppart');
  writeFiles(dir, { 'pgv.config.yaml': `${testConnectionYaml()}parts:\n  app:\n    recipe: schema\n    dbname: ${source}\n    schema: schema\n`, 'schema/.keep': '' });
  try {
    const dumped = await runPgv(['dump', 'app', '-f', 'app.sql'], { cwd: dir });
    assert.is(dumped.code, 0, dumped.stderr);
    assert.match(dumped.stdout, `dumped ${source} to ${path.join(dir, 'app.sql')} (plain,`);
    assert.match(readFileSync(path.join(dir, 'app.sql'), 'utf8'), 'PostgreSQL database dump');
    const back = await runPgv(['restore', 'app', '-f', 'app.sql'], { cwd: dir });
    assert.is(back.code, 3);
    assert.match(back.stderr, `database "${source}" is not empty`);
  } finally {
    await dropDatabase(source);
  }
});

test('missing files, files that are not dumps and option mistakes: clear messages, exit 3 or 2', async () => {
  const source = await createSample('src_bad');
  const dir = project();
  writeFiles(dir, { 'notes.sql': 'CREATE TABLE t (id int);\n', 'empty.dump': '' });
  const copy = uniqueName('copy_bad');
  try {
    const cases: Array<[string[], number, string]> = [
      [['restore', '--db', copy, '--create', '-f', 'nope.dump'], 3, `${path.join(dir, 'nope.dump')} does not exist`],
      [['restore', '--db', copy, '--create', '-f', 'notes.sql'], 3, 'is not a dump: a text file without pg_dump\'s "PostgreSQL database dump" header'],
      [['restore', '--db', copy, '--create', '-f', 'empty.dump'], 3, 'is not a dump: the file is empty'],
      [['restore', '--db', copy, '--create', '-f', 'schema'], 3, 'is a directory without toc.dat'],
      [['restore', '--db', copy, '--create'], 2, 'pgv restore needs -f FILE'],
      [['restore', 'app', '--db', copy, '-f', 'x.dump'], 2, 'takes either PART or --db, not both'],
      [['dump', '--db', source, '-f', 'x.dump', '--jobs', '2'], 2, '--jobs works only with --format directory'],
      [['dump', '--db', source, '-f', 'x.dump', '--format', 'zip'], 2, 'unknown dump format "zip"'],
      [['dump', '--db', source, '-f', 'nodir/x.dump'], 3, 'the folder'],
      [['dump', '--db', source, '-f', 'schema', '--format', 'directory'], 3, 'already exists and is not empty'],
      [['dump', '--db', `${source}_nope`, '-f', 'x.dump'], 3, `database "${source}_nope" does not exist`],
      [['dump', '-f', 'x.dump'], 2, 'pgv dump needs a PART or --db CONN'],
    ];
    for (const [args, code, message] of cases) {
      const run = await runPgv(args, { cwd: dir });
      assert.is(run.code, code, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
      assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
    }
    const tar = path.join(dir, 'x.tar');
    assert.is((await runPgv(['dump', '--db', source, '-f', tar, '-q'], { cwd: dir })).code, 0);
    const jobsTar = await runPgv(['restore', '--db', copy, '--create', '-f', tar, '--jobs', '2'], { cwd: dir });
    assert.is(jobsTar.code, 2);
    assert.match(jobsTar.stderr, '--jobs works only with custom and directory dumps; this one is tar');
    assert.not.ok(await databaseExists(copy), 'nothing was created');
  } finally {
    await dropDatabase(source);
  }
});

test('a failing restore passes on the tool\'s own error lines and drops the database it created', async () => {
  const source = await createSample('src_fail');
  const copy = uniqueName('copy_fail');
  const dir = project();
  const file = path.join(dir, 'broken.sql');
  try {
    assert.is((await runPgv(['dump', '--db', source, '-f', file, '-q'], { cwd: dir })).code, 0);
    appendFileSync(file, '\nSELECT no_such_function(42);\n');
    const run = await runPgv(['restore', '--db', copy, '--create', '-f', file], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, `could not restore ${file} into "${copy}": psql exited with 3`);
    assert.match(run.stderr, /psql:.*broken\.sql:\d+: ERROR:  function no_such_function\(integer\) does not exist/);
    assert.match(run.stderr, 'Nothing was restored');
    assert.match(run.stderr, 'The database pgv created for the restore was dropped again.');
    assert.not.ok(await databaseExists(copy));

    const custom = path.join(dir, 'truncated.dump');
    assert.is((await runPgv(['dump', '--db', source, '-f', custom, '-q'], { cwd: dir })).code, 0);
    writeFileSync(custom, readFileSync(custom).subarray(0, 30_000));
    const cut = await runPgv(['restore', '--db', copy, '--create', '-f', custom], { cwd: dir });
    assert.is(cut.code, 3, cut.stderr);
    assert.match(cut.stderr, 'pg_restore: error: could not read from input file');
    assert.not.match(cut.stderr, 'pg_restore: creating', 'progress chatter is not an error line');
    assert.not.ok(await databaseExists(copy));
  } finally {
    await dropDatabase(source);
    await dropDatabase(copy);
  }
});

test('a failing dump passes on pg_dump\'s error and keeps the previous dump', async () => {
  const source = await createSample('src_denied');
  const role = uniqueName('limited');
  const dir = project();
  const file = path.join(dir, 'app.dump');
  writeFiles(dir, { 'app.dump': 'the previous dump' });
  try {
    await withDb(source, (db) => db.query(`CREATE ROLE ${quoteIdent(role)} LOGIN; GRANT USAGE ON SCHEMA "Sales; Dept" TO ${quoteIdent(role)}`));
    const url = `postgresql://${role}@/${source}?host=${encodeURIComponent(cluster.socketDir)}&port=${cluster.port}`;
    const run = await runPgv(['dump', '--db', url, '-f', file], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, `could not dump database "${source}": pg_dump exited with 1`);
    assert.match(run.stderr, 'pg_dump: error: query failed: ERROR:  permission denied for table customer');
    assert.match(run.stderr, `${file} was left as it was`);
    assert.is(readFileSync(file, 'utf8'), 'the previous dump');
    assert.equal(readdirSync(dir).filter((n) => n.includes('pgv-partial')), []);
  } finally {
    await dropDatabase(source);
    await withDb('postgres', (db) => db.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`));
  }
});

/** Command lines of running processes named `program` that mention `marker`. */
function processesMentioning(program: string, marker: string): Array<{ pid: string; argv: string[]; env: string[] }> {
  const out = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!argv[0] || path.basename(argv[0]) !== program || !argv.some((a) => a.includes(marker))) continue;
      out.push({ pid, argv, env: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0') });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

test('the config\'s password reaches pg_dump through its environment, never its arguments or pgv\'s output', async () => {
  const source = await createSample('src_secret');
  const dir = project();
  const file = path.join(dir, 'secret-marker.dump');
  const blocker = await (await import('../../lib/db/client.js')).connect(specFor(source));
  try {
    // A lock makes pg_dump wait, so its process can be inspected while it runs.
    await blocker.query('BEGIN; LOCK TABLE audit.event IN ACCESS EXCLUSIVE MODE');
    const running = spawnPgv(['dump', '--db', source, '-f', file, '--json'], { cwd: dir });
    let seen: ReturnType<typeof processesMentioning> = [];
    for (let i = 0; i < 400 && seen.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      seen = processesMentioning('pg_dump', 'secret-marker');
    }
    await blocker.query('COMMIT');
    const run = await running.done;
    assert.is(run.code, 0, run.stderr);
    assert.is(seen.length, 1, 'pg_dump was seen running');
    const [dump] = seen;
    assert.not.ok(dump!.argv.some((a) => a.includes(password)), `argv: ${dump!.argv.join(' ')}`);
    assert.ok(dump!.env.includes(`PGPASSWORD=${password}`), 'the password is in the environment');
    assert.ok(dump!.env.includes(`PGDATABASE=${source}`));
    assert.not.ok(run.stdout.includes(password) || run.stderr.includes(password));
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
    await blocker.end();
    await dropDatabase(source);
  }
});

test('library: dumpDatabase and restoreDatabase report each tool\'s pid, whose argv has no password', async () => {
  const source = await createSample('src_lib');
  const copy = uniqueName('copy_lib');
  const dir = makeProject('dumplib');
  const file = path.join(dir, 'lib.dump');
  const spec = { ...specFor(source), password };
  const argvs: string[][] = [];
  const onSpawn = (pid: number) => argvs.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
  try {
    const dumped = await dumpDatabase(spec, file, { env: process.env, onSpawn });
    assert.is(dumped.format, 'custom');
    const progress: number[] = [];
    const restored = await restoreDatabase({ ...spec, dbname: copy }, file, { env: process.env, create: true, onSpawn, onProgress: (done) => progress.push(done) });
    assert.is(restored.created, true);
    assert.is(progress[progress.length - 1], restored.objects);
    assert.equal(argvs.map((a) => path.basename(a[0]!)), ['pg_dump', 'pg_restore']);
    assert.not.ok(argvs.flat().some((a) => a.includes(password)));
    await assertSameDatabase(copy, source);
  } finally {
    await dropDatabase(source);
    await dropDatabase(copy);
  }
});

test('pg_dump is chosen by version: none new enough is an error naming the versions found and the server\'s', async () => {
  try {
    await findClientTool('pg_dump', 99, process.env);
    assert.unreachable('no pg_dump 99 exists');
  } catch (e) {
    assert.ok(isPgvError(e), String(e));
    assert.is(e.code, 'tool_missing');
    assert.match(e.message, /^pg_dump [\d.]+(, [\d.]+)* cannot handle the PostgreSQL 99 server; pg_dump 99 or newer is needed$/);
    assert.match(e.hint!, 'postgresql-client-99');
  }
  // An older pg_dump first in line is passed over for one that can handle the server.
  const fake = makeProject('oldtools');
  writeFiles(fake, { pg_dump: '#!/bin/sh\nif [ "$1" = --version ]; then echo "pg_dump (PostgreSQL) 9.6.24"; exit 0; fi\nexit 1\n' });
  (await import('node:fs')).chmodSync(path.join(fake, 'pg_dump'), 0o755);
  const tool = await findClientTool('pg_dump', 15, { ...process.env, PGV_PG_BINDIR: fake });
  assert.ok(tool.major >= 15 && tool.path !== path.join(fake, 'pg_dump'), tool.path);
  const old = await findClientTool('pg_dump', 9.6, { ...process.env, PGV_PG_BINDIR: fake });
  assert.is(old.path, path.join(fake, 'pg_dump'), 'PGV_PG_BINDIR comes first when it is new enough');
});


test('a restore that finds its new database created by someone else in the meantime fails with exit 3 and a message, not an internal error', async () => {
  const { createEmptyDatabase } = await import('../../lib/dump/target.js');
  const name = await createDatabase('raced');
  try {
    await createEmptyDatabase(specFor(name));
    assert.unreachable('the database exists');
  } catch (e) {
    assert.ok(isPgvError(e), String(e));
    assert.is(e.code, 'database_busy');
    assert.is(e.exitCode, 3);
    assert.match(e.message, `database "${name}" was created by another session`);
  } finally {
    await dropDatabase(name);
  }
});

test('a dump onto a device or a pipe is refused before pg_dump runs, and the device stays a device', async () => {
  const { execFileSync } = await import('node:child_process');
  const { statSync } = await import('node:fs');
  const dir = makeProject('dump-special');
  const fifo = path.join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const name = await createDatabase('special');
  try {
    const env = { PGHOST: cluster.socketDir, PGPORT: String(cluster.port), PGUSER: 'postgres' };
    const run = await runPgv(['dump', '--db', name, '-f', fifo, '--format', 'plain'], { cwd: dir, env });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stderr, `${fifo} is not a regular file (a device, pipe or socket)`);
    assert.ok(statSync(fifo).isFIFO(), 'the pipe is still a pipe');
  } finally {
    await dropDatabase(name);
  }
});

test.run();
