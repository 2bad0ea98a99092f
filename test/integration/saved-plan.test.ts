/** Saved plans end to end: `pgv plan -o`, `pgv apply --plan`, `plan --exit-code`, `--format markdown`. */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFixture, jsonOf, makeProject, runPgv, schemaConfig, spawnPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
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
    assert.is(doc.format, 2);
    assert.equal(validateAgainst('pgv.saved-plan.schema.json', doc), []);
    assert.match(doc.hash, /^[0-9a-f]{64}$/);
    const part = doc.parts[0];
    assert.equal(part.plan.steps.map((s: { title: string }) => s.title), ['run update2.sql', 'check precondition3.mjs', 'run update3.sql']);
    assert.equal(part.fingerprint.ledger.map((r: { script: string }) => r.script), ['update1.sql']);
    assert.ok(part.fingerprint.scripts['update3.sql'] && part.fingerprint.scripts['precondition3.mjs']);
    assert.equal(Object.keys(part.fingerprint.catalog.objects.tables), ['public.product']);
    assert.equal(doc.config.parts.app.dbname, db);
    assert.is(doc.config.parts.app.directory, 'schema');
    const run = await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const ran = jsonOf(run).parts[0].steps.map((s: { id: string; status: string }) => `${s.id} ${s.status}`);
    assert.equal(ran, part.plan.steps.map((s: { id: string }) => `${s.id} done`));
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('the same plan again: "already applied", nothing runs, exit 0 (as a second pgv apply); the catalog its steps changed is not "by hand"', async () => {
  const { db, dir } = await planned('saved_twice');
  try {
    const first = await runPgv(['apply', '--plan', 'plan.json'], { cwd: dir });
    assert.is(first.code, 0, first.stderr);
    const ids = await withDb(db, async (c) => (await c.query<{ id: string }>('SELECT id FROM pgv.upgrades ORDER BY id')).rows.map((r) => Number(r.id)));
    for (let k = 0; k < 2; k++) {
      const again = await runPgv(['apply', '--plan', 'plan.json'], { cwd: dir });
      assert.is(again.code, 0, again.stderr);
      assert.match(again.stdout.trimEnd(), new RegExp(`^app \\(${db}\\): this plan was already applied \\(ledger rows ${ids[1]}–${ids[2]} are its steps\\)\nNothing was applied\\.$`));
      assert.not.match(again.stderr, 'by hand');
      assert.not.match(again.stderr, 'error');
    }
    const json = jsonOf(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    assert.equal(json.parts[0].status, 'unchanged');
    assert.equal(json.parts[0].already_applied, { ledger_rows: [ids[1], ids[2]], meanwhile: false });
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql']);
    // Applied, then a script edited: refused, and the ledger's new rows are named as the plan's own.
    appendFileSync(path.join(dir, 'schema', 'update3.sql'), '-- edited after the deploy\n');
    const details = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir })).details.join('\n');
    assert.match(details, 'app: script file update3.sql changed');
    assert.match(details, `app: the ledger gained rows ${ids[1]}–${ids[2]}: this plan's own steps (it was applied since it was made)`);
    assert.not.match(details, 'by hand');
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

test('the plan partly applied since (a plain apply ran its first script): refused, named as its own rows, not "by hand"', async () => {
  const { db, dir } = await planned('saved_partly');
  try {
    const other = await runPgv(['apply', '--to', '2'], { cwd: dir });
    assert.is(other.code, 0, other.stderr);
    const error = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    assert.equal(error.details.length, 1, error.details.join('\n'));
    assert.match(error.details[0], /^app: this plan was partly applied: ledger row \d+ is the first of its 2 scripts; update3\.sql has not run$/);
    assert.match(error.hint, 'make the plan again');
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('the ledger gained a row that is not the plan\'s (a baseline): refused, the row named; the catalog moved "since the plan", not "by hand"', async () => {
  const { db, dir } = await planned('saved_ledger');
  try {
    const other = await runPgv(['baseline', 'app', '--version', '2'], { cwd: dir });
    assert.is(other.code, 0, other.stderr);
    await withDb(db, (c) => c.query('CREATE TABLE public.stock (product_id int)'));
    const error = refusedMoved(await runPgv(['apply', '--plan', 'plan.json', '--json'], { cwd: dir }));
    const details = error.details.join('\n');
    assert.match(details, /the ledger gained row \d+ \(baseline baseline at version 2\): another apply or baseline ran since the plan/);
    assert.match(details, 'app: tables: public.stock added since the plan');
    assert.not.match(details, 'by hand');
    assert.equal(await scriptsOf(db), ['update1.sql', 'baseline']);
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

test('a plan of two parts, one of them applied since (a deploy that failed half way): the other runs, exit 0', async () => {
  const [db1, db2] = [await createDatabase('saved_half_a'), await createDatabase('saved_half_b')];
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  copyFixture('schema/shop/update1.sql', dir, 'old/update1.sql');
  const config = (d: string) => `${testConnectionYaml()}parts:\n  app:\n    recipe: schema\n    dbname: ${JSON.stringify(db1)}\n    schema: ${d}\n  two:\n    recipe: schema\n    dbname: ${JSON.stringify(db2)}\n    schema: ${d}\n`;
  writeFiles(dir, { 'old.yaml': config('old'), 'pgv.config.yaml': config('schema') });
  try {
    assert.is((await runPgv(['apply', '-c', 'old.yaml'], { cwd: dir })).code, 0);
    assert.is((await runPgv(['plan', '-o', 'plan.json'], { cwd: dir })).code, 0);
    assert.is((await runPgv(['apply', 'app'], { cwd: dir })).code, 0);
    const run = await runPgv(['apply', '--plan', 'plan.json'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`app \\(${db1}\\): this plan was already applied \\(ledger rows 2–3 are its steps\\)`));
    assert.match(run.stdout, new RegExp(`two \\(${db2}\\): 3 steps applied in .*, now at version 3`));
    assert.equal(await scriptsOf(db1), ['update1.sql', 'update2.sql', 'update3.sql']);
    assert.equal(await scriptsOf(db2), ['update1.sql', 'update2.sql', 'update3.sql']);
  } finally {
    await dropDatabase(db1);
    await dropDatabase(db2);
  }
});

test('the plan applied by another run while apply waited for the lock: nothing runs, exit 0, said so', async () => {
  const { db, dir, file } = await planned('saved_meanwhile');
  try {
    const steps = JSON.parse(readFileSync(file, 'utf8')).parts[0].plan.steps.filter((s: { kind: string }) => s.kind === 'run-script');
    await withDb(db, async (holder) => {
      await holder.query('SELECT pg_advisory_lock(7366518, 1)');
      const waiting = spawnPgv(['apply', '--plan', 'plan.json'], { cwd: dir });
      for (let i = 0; i < 200 && !waiting.stderr().includes('waiting:'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(waiting.stderr(), 'waiting:', 'apply --plan passed its first check and waits for the lock');
      // The other run: the plan's scripts and their ledger rows, as pgv writes them.
      for (const f of ['update2.sql', 'update3.sql']) await holder.query(readFileSync(path.join(dir, 'schema', f), 'utf8'));
      for (const s of steps) await holder.query('INSERT INTO pgv.upgrades (version, script, kind, checksum, success) VALUES ($1, $2, $3, $4, true)', [s.version, s.script, s.scriptKind, s.checksum]);
      await holder.query('SELECT pg_advisory_unlock(7366518, 1)');
      const run = await waiting.done;
      assert.is(run.code, 0, run.stderr);
      assert.match(run.stdout, /app \([^)]+\): this plan was applied by another run while this one waited for the lock \(ledger rows \d+–\d+ are its steps\)/);
      assert.match(run.stdout, 'Nothing was applied.');
    });
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql']);
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
    await refused('future.json', JSON.stringify({ ...doc, format: 99 }), /was made by a newer pgv: it is a saved plan of format 99, and this pgv \S+ reads format 2; nothing was applied/);
    // A plan of format 1 (its trace in pgv's internal shape, no config.parts): a clear refusal, not the schema's complaints.
    const { parts: _parts, ...identity } = doc.config;
    const older = { ...doc, format: 1, config: identity, parts: [{ ...doc.parts[0], trace: { trace: { database: 'x', statements: [], durationMs: 1.2345 }, violations: [] } }] };
    writeFileSync(path.join(dir, 'older.json'), JSON.stringify(older));
    const old = await runPgv(['apply', '--plan', 'older.json'], { cwd: dir });
    assert.is(old.code, 2, old.stderr);
    assert.match(old.stderr, /older\.json was made by an older pgv: it is a saved plan of format 1, and this pgv \S+ reads format 2; nothing was applied\n  hint: Make the plan again/);
    assert.not.match(old.stderr, 'not a valid');
    const edited = structuredClone(doc);
    edited.parts[0].plan.steps.pop();
    await refused('edited.json', JSON.stringify(edited), 'was edited since pgv wrote it');
    writeFiles(dir, { 'renamed.yaml': schemaConfig(db, 'schema', '    upgrades_table: pgv.other_ledger\n') });
    await refused('plan2.json', JSON.stringify(doc), "the plan was made for another config: 1 setting differs (the plan's → renamed.yaml's): app: upgrades_table: pgv.upgrades → pgv.other_ledger; nothing was applied", ['-c', 'renamed.yaml']);
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('another config: each differing setting named with both values; a part the config lacks is named as the plan\'s', async () => {
  const { db, dir } = await planned('saved_cfg');
  try {
    writeFiles(dir, {
      'nodb.yaml': schemaConfig('saved_cfg_nodb', 'schema', '    exclude_schemas: [audit]\n'),
      'other.yaml': `${testConnectionYaml()}parts:\n  rep:\n    recipe: schema\n    dbname: ${JSON.stringify(db)}\n    schema: schema\n`,
    });
    const nodb = await runPgv(['apply', '--plan', 'plan.json', '-c', 'nodb.yaml', '--json'], { cwd: dir });
    assert.is(nodb.code, 2, nodb.stderr);
    const error = jsonOf(nodb).error;
    assert.is(error.code, 'plan_invalid');
    assert.is(error.message, `the plan was made for another config: 2 settings differ (the plan's → nodb.yaml's): app: dbname: ${db} → saved_cfg_nodb, …; nothing was applied`);
    assert.equal(error.details, [`app: dbname: ${db} → saved_cfg_nodb`, 'app: exclude_schemas: [] → [audit]']);
    const other = await runPgv(['apply', '--plan', 'plan.json', '-c', 'other.yaml'], { cwd: dir });
    assert.is(other.code, 2, other.stderr);
    assert.match(other.stderr, /the plan was made for another config: it has part "app", which \S*other\.yaml does not define; nothing was applied/);
    assert.not.match(other.stderr, 'Did you mean');
    assert.equal(await scriptsOf(db), ['update1.sql']);
  } finally {
    await dropDatabase(db);
  }
});

test('plan -o refused (an applied script changed): says no plan was saved, and leaves an older file as it was', async () => {
  const { db, dir, file } = await planned('saved_refused');
  try {
    const before = readFileSync(file, 'utf8');
    appendFileSync(path.join(dir, 'schema', 'update1.sql'), '-- edited after it ran\n');
    const again = await runPgv(['plan', '-o', 'plan.json'], { cwd: dir });
    assert.is(again.code, 3, again.stderr);
    assert.match(again.stderr, 'pgv: error: part app: 1 applied script has changed since it ran; no plan saved to plan.json (the plan.json already there is left as it was: an older plan)');
    assert.is(readFileSync(file, 'utf8'), before);
    const fresh = await runPgv(['plan', '-o', 'new.json', '--json'], { cwd: dir });
    assert.is(fresh.code, 3, fresh.stderr);
    assert.match(jsonOf(fresh).error.message, /; no plan saved to new\.json$/);
    assert.not.ok(existsSync(path.join(dir, 'new.json')));
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
    assert.equal(result.alreadyApplied, []);
    assert.equal(await scriptsOf(db), ['update1.sql', 'update2.sql', 'update3.sql']);
    const again = await applySavedPlan(config, saved);
    assert.ok(again.ok);
    assert.equal(again.alreadyApplied, [{ part: 'app', rows: [2, 3], meanwhile: false }]);
    assert.equal(again.parts.map((p) => p.status), ['unchanged']);
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
    // The saved trace is `pgv trace --json`'s trace: the same schema, the same fields, the same statements and locks.
    const kept = doc.parts[0].trace;
    assert.equal(validateAgainst('pgv.trace.schema.json', kept), []);
    const traced = await runPgv(['trace', 'app', '--json'], { cwd: dir });
    assert.is(traced.code, 0, traced.stderr);
    const live = jsonOf(traced).trace;
    const shape = (t: any) => ({ top: Object.keys(t).sort(), statements: t.statements.map((s: any) => ({ keys: Object.keys(s).sort(), at: `${s.script}:${s.line}`, locks: s.locks.map((l: any) => `${l.mode} ${l.relation} ${Object.keys(l).sort().join(',')}`).sort(), rewrites: s.rewrites.map((r: any) => r.relation) })), policy: t.policy });
    assert.equal(shape(kept), shape(live));
    const [statement] = kept.statements;
    assert.is(`${statement.script}:${statement.line}`, 'update2.sql:1');
    assert.ok(statement.locks.some((l: any) => l.mode === 'AccessExclusiveLock' && l.relation === 'public.item' && typeof l.held_ms === 'number' && 'size_bytes' in l), JSON.stringify(statement.locks));
    assert.ok(statement.rewrites.some((r: any) => r.relation === 'public.item'), JSON.stringify(statement.rewrites));
    assert.ok(statement.blocking_ms > 0 && statement.duration_ms === Math.round(statement.duration_ms * 10) / 10, JSON.stringify(statement));
    assert.not.ok('durationMs' in statement || 'trace' in kept);
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
