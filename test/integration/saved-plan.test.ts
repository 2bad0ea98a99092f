/** Saved plans end to end: `pgv plan -o`, `pgv apply --plan`, `plan --exit-code`, `--format markdown`. */
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, jsonOf, makeProject, runPgv, schemaConfig, spawnPgv, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, withDb } from '../helpers/db.js';
import { validateAgainst } from '../../lib/config/validate.js';
import { applySavedPlan, loadConfig, savePlan, isPgvError } from '../../lib/index.js';

async function scriptsOf(db: string): Promise<string[]> {
  return withDb(db, async (c) => (await c.query<{ script: string }>('SELECT script FROM pgv.upgrades ORDER BY id')).rows.map((r) => r.script));
}

/** A database at generation 1 of the shop fixture, a project with generations 2 and 3 pending, and a saved plan of them. */
async function planned(prefix: string): Promise<{ db: string; dir: string; file: string }> {
  const db = await createDatabase(prefix);
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  copyFixture('schema/shop/update1.sql', dir, 'old/update1.sql');
  writeFiles(dir, { 'old.yaml': schemaConfig(db, 'old'), 'pgv.config.yaml': schemaConfig(db, 'schema') });
  const old = await runPgv(['apply', '-c', 'old.yaml'], { cwd: dir });
  assert.is(old.code, 0, old.stderr);
  const saved = await runPgv(['plan', '-o', 'plan.json'], { cwd: dir });
  assert.is(saved.code, 0, saved.stderr);
  assert.match(saved.stderr, 'plan saved to plan.json');
  return { db, dir, file: path.join(dir, 'plan.json') };
}

function refusedMoved(run: { code: number; stdout: string; stderr: string }): any {
  assert.is(run.code, 3, run.stderr);
  const error = jsonOf(run).error;
  assert.is(error.code, 'plan_moved');
  assert.match(error.message, 'nothing was applied');
  return error;
}

test('an untouched database applies exactly the saved steps, without planning again', async () => {
  const { db, dir, file } = await planned('saved_ok');
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    assert.is(doc.format, 1);
    assert.equal(validateAgainst('pgv.saved-plan.schema.json', doc), []);
    assert.match(doc.hash, /^[0-9a-f]{64}$/);
    const part = doc.parts[0];
    assert.equal(part.plan.steps.map((s: { title: string }) => s.title), ['run update2.sql', 'check precondition3.mjs', 'run update3.sql']);
    assert.equal(part.fingerprint.ledger.map((r: { script: string }) => r.script), ['update1.sql']);
    assert.ok(part.fingerprint.scripts['update3.sql'] && part.fingerprint.scripts['precondition3.mjs']);
    assert.equal(Object.keys(part.fingerprint.catalog.objects.tables), ['public.product']);
    const run = await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const ran = jsonOf(run).parts[0].steps.map((s: { id: string; status: string }) => `${s.id} ${s.status}`);
    assert.equal(ran, part.plan.steps.map((s: { id: string }) => `${s.id} done`));
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql']);
    // The same plan again: the ledger gained the rows it wrote, so it is refused.
    const again = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    assert.match(again.details.join('\n'), 'the ledger gained row');
  } finally {
    await dropDatabase(db);
  }
});

test('a script file changed since the plan: refused, named, nothing ran', async () => {
  const { db, dir } = await planned('saved_script');
  try {
    appendFileSync(path.join(dir, 'schema', 'update3.sql'), '-- edited after review\n');
    const error = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    assert.match(error.details.join('\n'), /app: script file update3\.sql changed/);
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('the ledger gained a row since the plan (another apply ran): refused, the row named, nothing more ran', async () => {
  const { db, dir } = await planned('saved_ledger');
  try {
    const other = await runPgv(['apply', '--to', '2'], { cwd: dir });
    assert.is(other.code, 0, other.stderr);
    const error = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    const details = error.details.join('\n');
    assert.match(details, /the ledger gained row \d+ \(update update2\.sql at version 2\): another apply/);
    // The catalog moved too (update2 made a table); both are named.
    assert.match(details, 'tables: public.stock added');
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('the ledger lost a row since the plan: refused, the row named', async () => {
  const { db, dir } = await planned('saved_lost');
  try {
    await withDb(db, (c) => c.query('DELETE FROM pgv.upgrades'));
    const error = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    assert.match(error.details.join('\n'), /the ledger lost row \d+ \(update update1\.sql at version 1\)/);
    assert.equal(await scriptsOf(db), []);
  } finally {
    await dropDatabase(db);
  }
});

test('the catalog changed by hand since the plan: refused, the kinds and objects named, nothing ran', async () => {
  const { db, dir } = await planned('saved_catalog');
  try {
    await withDb(db, (c) => c.query('CREATE TABLE public.sneaky (id int); ALTER TABLE public.product ADD COLUMN note text'));
    const error = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    const details = error.details.join('\n');
    assert.match(details, 'app: tables: public.sneaky added by hand since the plan');
    assert.match(details, 'app: columns: public.product.note added');
    assert.not.match(details, 'ledger');
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('a move while apply waits for the lock is seen under the lock: refused, nothing ran', async () => {
  const { db, dir } = await planned('saved_race');
  try {
    await withDb(db, async (holder) => {
      // pgv's database lock (db/lock.ts: 'pgv' as an int, 1), held the way another runner holds it.
      await holder.query('SELECT pg_advisory_lock(7366518, 1)');
      const waiting = spawnPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir });
      for (let i = 0; i < 200 && !waiting.stderr().includes('waiting:'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(waiting.stderr(), 'waiting:', 'apply --plan passed its first check and waits for the lock');
      await holder.query('CREATE TABLE public.late (id int)');
      await holder.query('SELECT pg_advisory_unlock(7366518, 1)');
      const run = await waiting.done;
      assert.is(run.code, 3, run.stderr);
      assert.match(run.stderr, 'app: tables: public.late added by hand since the plan');
    });
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('a file that is not a plan, of another format, edited by hand, or for another config: exit 2, nothing ran', async () => {
  const { db, dir, file } = await planned('saved_bad');
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const refused = async (name: string, content: string, message: string | RegExp, args: string[] = []) => {
      writeFileSync(path.join(dir, name), content);
      const run = await runPgv(['apply', '--plan', name, '--json', ...args], { cwd: dir });
      assert.is(run.code, 2, `${name}: ${run.stderr}`);
      const error = jsonOf(run).error;
      assert.is(error.code, 'plan_invalid', name);
      assert.match(error.message, message, name);
    };
    await refused('garbage.json', 'not json at all', 'is not a pgv saved plan: it is not JSON');
    await refused('other.json', '{"parts": []}', 'is not a pgv saved plan');
    await refused('shape.json', JSON.stringify({ ...doc, parts: [{ plan: {} }] }), 'is not a valid pgv saved plan');
    await refused('future.json', JSON.stringify({ ...doc, format: 99 }), 'is a saved plan of format 99; this pgv');
    const edited = structuredClone(doc);
    edited.parts[0].plan.steps.pop();
    await refused('edited.json', JSON.stringify(edited), 'was edited since pgv wrote it');
    writeFiles(dir, { 'renamed.yaml': schemaConfig(db, 'schema', '    upgrades_table: pgv.other_ledger\n') });
    await refused('plan2.json', JSON.stringify(doc), 'the plan was made for another config', ['-c', 'renamed.yaml']);
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('plan --exit-code: 1 while steps are pending, 0 when none; --format markdown: a table per part', async () => {
  const { db, dir } = await planned('saved_gate');
  try {
    const md = await runPgv(['plan', '--exit-code', '--format', 'markdown'], { cwd: dir });
    assert.is(md.code, 1, md.stderr);
    assert.match(md.stdout, '## pgv plan');
    assert.match(md.stdout, /### app \(`saved_gate_[^`]+`\): version 1 → 3/);
    assert.match(md.stdout, '| # | step | why | lint |');
    assert.match(md.stdout, '| 1 | run update2.sql |');
    const applied = await runPgv(['apply', '--plan', 'plan.json'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    const done = await runPgv(['plan', '--exit-code'], { cwd: dir });
    assert.is(done.code, 0, done.stderr);
    assert.match(done.stdout, 'up to date');
    const bad = await runPgv(['plan', '--format', 'html'], { cwd: dir });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '--format must be text or markdown, not "html"');
  } finally {
    await dropDatabase(db);
  }
});

test('check and lint --format markdown: tables for a pull request', async () => {
  const { db, dir } = await planned('saved_md');
  try {
    const check = await runPgv(['check', 'app', '--format', 'markdown'], { cwd: dir });
    assert.is(check.code, 1, check.stderr);
    assert.match(check.stdout, '## pgv check');
    assert.match(check.stdout, '| kind | db1 | db2 | only in db1 | only in db2 | different |');
    assert.match(check.stdout, '| tables | public.stock | only in db2 |');
    writeFiles(dir, { 'schema/update4.sql': 'CREATE INDEX product_title ON product (title);\n' });
    const lint = await runPgv(['lint', 'app', '--format', 'markdown'], { cwd: dir });
    assert.match(lint.stdout, '## pgv lint');
    assert.match(lint.stdout, /### `schema\/update4\.sql`/);
    assert.match(lint.stdout, '`require-concurrent-index-creation`');
  } finally {
    await dropDatabase(db);
  }
});

test('the library: savePlan, then applySavedPlan refuses a moved database (data.moved) and runs an untouched one', async () => {
  const { db, dir } = await planned('saved_lib');
  try {
    const config = await loadConfig({ cwd: dir });
    const saved = await savePlan(config);
    assert.equal(saved.parts[0]!.plan.steps.map((s) => s.kind), ['run-script', 'precondition', 'run-script']);
    await withDb(db, (c) => c.query('CREATE VIEW public.v AS SELECT 1 AS one'));
    try {
      await applySavedPlan(config, saved);
      assert.unreachable('a moved database must be refused');
    } catch (e) {
      assert.ok(isPgvError(e) && e.code === 'plan_moved', String(e));
      assert.equal(e.data.moved, ['app: views: public.v added by hand since the plan']);
    }
    await withDb(db, (c) => c.query('DROP VIEW public.v'));
    const result = await applySavedPlan(config, saved);
    assert.ok(result.ok);
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('plan -o FILE --trace keeps the locks and rewrites measured on a copy; trace --format markdown shows them as a table', async () => {
  const db = await createDatabase('saved_trace');
  const dir = makeProject();
  writeFiles(dir, { 'db/update1.sql': 'CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL);\n', 'pgv.config.yaml': schemaConfig(db, 'db') });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 0);
    writeFiles(dir, { 'db/update2.sql': 'ALTER TABLE item ALTER COLUMN qty TYPE bigint;\n' });
    const noFile = await runPgv(['plan', '--trace'], { cwd: dir });
    assert.is(noFile.code, 2);
    assert.match(noFile.stderr, '--trace saves what it measured in the plan file: give -o FILE');
    const saved = await runPgv(['plan', '-o', 'plan.json', '--trace'], { cwd: dir });
    assert.is(saved.code, 0, saved.stderr);
    const doc = JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8'));
    assert.equal(validateAgainst('pgv.saved-plan.schema.json', doc), []);
    const [statement] = doc.parts[0].trace.trace.statements;
    assert.is(`${statement.script}:${statement.line}`, 'update2.sql:1');
    assert.ok(statement.locks.some((l: any) => l.mode === 'AccessExclusiveLock' && l.relation === 'public.item'), JSON.stringify(statement.locks));
    assert.ok(statement.rewrites.some((r: any) => r.relation === 'public.item'), JSON.stringify(statement.rewrites));
    const md = await runPgv(['trace', 'app', '--format', 'markdown'], { cwd: dir });
    assert.is(md.code, 0, md.stderr);
    assert.match(md.stdout, '## pgv trace: app');
    assert.match(md.stdout, '| statement | text | took | blocks writes | strong locks (held) | rewrote |');
    assert.match(md.stdout, /\| update2\.sql:1 \| `ALTER TABLE item ALTER COLUMN qty TYPE bigint;?` \|/);
    // Production untouched by the traces; the saved plan still applies.
    const run = await runPgv(['apply', '--plan', 'plan.json'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
  } finally {
    await dropDatabase(db);
  }
});

test.run();
