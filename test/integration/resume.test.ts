/**
 * The run journal and `apply --resume`: the real binary over many databases, killed with SIGKILL
 * at several points, then resumed; every database must end with every script exactly once, in its
 * ledger and in its effects. Also: a finished run has nothing to resume, the journal holds no
 * password, a journal of another config is refused, parts that changed since are named.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, spawnPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { cluster, dropDatabase, uniqueName, waitFor, withDb } from '../helpers/db.js';
import { validateAgainst } from '../../lib/config/validate.js';

const scripts = {
  'schema/update1.sql': "CREATE TABLE effects (script text NOT NULL);\nINSERT INTO effects VALUES ('update1');\n",
  // The slow one: where the kills land.
  'schema/update2.sql': "INSERT INTO effects VALUES ('update2');\nSELECT pg_sleep(0.25) AS kill_here;\n",
  'schema/update3.sql': "INSERT INTO effects VALUES ('update3');\n",
};

/** A config of `n` parts t01…tNN, one new database each (create: true), all with the same scripts. */
function fleetConfig(prefix: string, n: number, extra = ''): { yaml: string; dbs: string[] } {
  const names = Array.from({ length: n }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  const dbs = names.map((p) => `${prefix}_${p}`);
  const parts = names.map((p, i) => `  ${p}:\n    recipe: schema\n    dbname: ${dbs[i]}\n    schema: schema\n    create: true\n`).join('');
  return { yaml: `${testConnectionYaml()}${extra}parts:\n${parts}`, dbs };
}

/** Is part `db`'s slow script running? */
function slowScriptRunning(db: string): () => Promise<boolean> {
  return () => withDb('postgres', async (c) => (await c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%kill_here%' AND pid <> pg_backend_pid()`, [db])).rowCount > 0);
}

/** No session of the killed pgv is left on any of the databases. */
function noSessionsLeft(dbs: readonly string[]): () => Promise<boolean> {
  return () => withDb('postgres', async (c) => (await c.query(`SELECT 1 FROM pg_stat_activity WHERE datname = ANY($1) AND pid <> pg_backend_pid()`, [dbs])).rowCount === 0);
}

/** Each database's ledger and effects, as `script×count` lists. */
async function stateOf(db: string): Promise<{ ledger: string[]; effects: string[] }> {
  return withDb(db, async (c) => ({
    ledger: (await c.query<{ s: string }>(`SELECT script || ':' || success || '×' || count(*) AS s FROM pgv.upgrades GROUP BY script, success ORDER BY script`)).rows.map((r) => r.s),
    effects: (await c.query<{ s: string }>(`SELECT script || '×' || count(*) AS s FROM effects GROUP BY script ORDER BY script`)).rows.map((r) => r.s),
  }));
}

/** The journals in a project, oldest first, parsed line by line. */
function journals(dir: string): { id: string; lines: any[] }[] {
  const runs = path.join(dir, '.pgv', 'runs');
  return readdirSync(runs)
    .filter((f) => f.endsWith('.ndjson'))
    .sort()
    .map((f) => ({ id: f.slice(0, -'.ndjson'.length), lines: readFileSync(path.join(runs, f), 'utf8').split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } }) }));
}

/** Kill `pgv apply` (SIGKILL) once part `at`'s slow script runs, resume, and check every database. */
async function killAndResume(label: string, at: (dbs: string[]) => string, tear = false): Promise<void> {
  const prefix = uniqueName(`res_${label}`);
  const dir = makeProject(`resume-${label}`);
  const { yaml, dbs } = fleetConfig(prefix, 30);
  writeFiles(dir, { ...scripts, 'pgv.config.yaml': yaml });
  try {
    const first = spawnPgv(['apply'], { cwd: dir });
    const target = at(dbs);
    await waitFor(`the slow script of ${target}`, slowScriptRunning(target), 60000);
    first.child.kill('SIGKILL');
    assert.is((await first.done).code, -1, 'pgv was killed');
    await waitFor('the killed run\'s sessions to end', noSessionsLeft(dbs));
    const [killed] = journals(dir);
    assert.ok(killed, 'the killed run left a journal');
    assert.is(killed!.lines[0].type, 'run');
    assert.is(killed!.lines[0].parts.length, 30);
    assert.not.ok(killed!.lines.some((l) => l.type === 'run-finished'), 'the killed run did not finish');
    if (tear) appendFileSync(path.join(dir, '.pgv', 'runs', `${killed!.id}.ndjson`), '{"at":"2026-01-01T00:00:00.000Z","type":"step-sta');

    const resumed = await runPgv(['apply', '--resume'], { cwd: dir });
    assert.is(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    const line = resumed.stdout.split('\n')[0]!;
    const m = /^resuming run (\S+) \(killed at [^)]+\): (\d+) parts? finished, (?:(\d+) (?:was|were) running \(([^)]*)\), )?(\d+) not started$/.exec(line);
    assert.ok(m, `the resume line: ${line}`);
    assert.is(m![1], killed!.id);
    const [finished, running, notStarted] = [Number(m![2]), Number(m![3] ?? 0), Number(m![5])];
    assert.is(finished + running + notStarted, 30, line);
    const part = target.slice(prefix.length + 1);
    assert.match(m![4] ?? '', `${part}: run update2.sql`, `names the part and script that was running: ${line}`);

    // The resumed run's journal links to the killed one and ran only what was not finished.
    const mine = journals(dir).find((j) => j.lines[0].resumes === killed!.id);
    assert.ok(mine, 'the resumed run has its own journal, linked to the killed one');
    assert.is(mine!.lines[0].finished_before.length, finished);
    const started = mine!.lines.find((l) => l.type === 'run-started');
    assert.is(started.parts.length, 30 - finished, 'finished parts are not planned again');
    assert.ok(mine!.lines.some((l) => l.type === 'run-finished' && l.ok));

    for (const db of dbs) {
      assert.equal(await stateOf(db), { ledger: ['update1.sql:true×1', 'update2.sql:true×1', 'update3.sql:true×1'], effects: ['update1×1', 'update2×1', 'update3×1'] }, db);
    }
    // The resumed run finished: nothing to resume (exit 0), and a plain apply has nothing to do.
    const again = await runPgv(['apply', '--resume'], { cwd: dir });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^run ${mine!.id} finished at \\S+: nothing to resume \\(30 parts finished\\)`));
    const plain = await runPgv(['apply'], { cwd: dir });
    assert.is(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, 'Nothing to do.');
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
}

test('kill -9 during the first part, then apply --resume: every script once in every database', async () => {
  await killAndResume('first', (dbs) => dbs[0]!);
});

test('kill -9 mid-run (and a torn last journal line), then apply --resume: every script once', async () => {
  await killAndResume('mid', (dbs) => dbs[14]!, true);
});

test('kill -9 during the last part, then apply --resume: every script once', async () => {
  await killAndResume('last', (dbs) => dbs[29]!);
});

test('a fleet (servers, for_each, rollout) killed mid-run and resumed: every tenant has every script once; no password in the journal', async () => {
  const prefix = uniqueName('res_fleet');
  const dbs = Array.from({ length: 12 }, (_, i) => `${prefix}_${String(i + 1).padStart(2, '0')}`);
  const dir = makeProject('resume-fleet');
  const secret = 'Fleet-sesame-5521';
  writeFiles(dir, {
    ...scripts,
    'pgv.config.yaml':
      `servers:\n  a:\n    host: ${JSON.stringify(cluster.socketDir)}\n    port: ${cluster.port}\n    user: postgres\n    password: \${env:PGV_TEST_FLEET_PASSWORD}\n` +
      `parts:\n  tenant:\n    recipe: schema\n    schema: schema\n    create: true\n    for_each:\n      servers: [a]\n      list: [${dbs.join(', ')}]\n` +
      `rollout:\n  - match: "*_01"\n    concurrency: 1\n  - match: "*"\n    concurrency: 3\n    on_error: continue\n`,
  });
  const env = { PGV_TEST_FLEET_PASSWORD: secret };
  try {
    const first = spawnPgv(['apply'], { cwd: dir, env });
    await waitFor(`the slow script of ${dbs[6]}`, slowScriptRunning(dbs[6]!), 60000);
    first.child.kill('SIGKILL');
    await first.done;
    await waitFor('the killed run\'s sessions to end', noSessionsLeft(dbs));
    const resumed = await runPgv(['apply', '--resume'], { cwd: dir, env });
    assert.is(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    const line = resumed.stdout.split('\n')[0]!;
    assert.match(line, /^resuming run \S+ \(killed at [^)]+\): \d+ parts finished, \d+ (was|were) running \(/);
    assert.match(line, `tenant/a/${dbs[6]}: run update2.sql`);
    for (const db of dbs) {
      assert.equal(await stateOf(db), { ledger: ['update1.sql:true×1', 'update2.sql:true×1', 'update3.sql:true×1'], effects: ['update1×1', 'update2×1', 'update3×1'] }, db);
    }
    for (const j of journals(dir)) assert.not.match(JSON.stringify(j.lines), secret);
    const again = await runPgv(['apply', '--resume'], { cwd: dir, env });
    assert.match(again.stdout, 'nothing to resume (12 parts finished)');
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
});

test('the journal holds no password, even one a failing script echoes; resume after the fix runs only the failed part', async () => {
  const prefix = uniqueName('res_secret');
  const dir = makeProject('resume-secret');
  const secret = 'Hunter2-sesame-9041';
  const { yaml, dbs } = fleetConfig(prefix, 3, '');
  const withPassword = yaml.replace('user: postgres\n', 'user: postgres\n  password: ${env:PGV_TEST_JOURNAL_PASSWORD}\n');
  writeFiles(dir, { ...scripts, 'schema/update2.sql': 'SELECT 1;\n', 'pgv.config.yaml': withPassword });
  // Part t03 gets a script that fails with the password in its error message.
  writeFiles(dir, { 'bad/update1.sql': scripts['schema/update1.sql'], 'bad/update2.sql': `SELECT '${secret}'::int;\n` });
  writeFileSync(path.join(dir, 'pgv.config.yaml'), withPassword.replace(/(t03:\n(?:.*\n){2}    schema: )schema/, '$1bad'));
  const env = { PGV_TEST_JOURNAL_PASSWORD: secret, PGPASSWORD: secret };
  try {
    const failed = await runPgv(['apply'], { cwd: dir, env });
    assert.is(failed.code, 3, failed.stderr);
    const [journal] = journals(dir);
    const text = readFileSync(path.join(dir, '.pgv', 'runs', `${journal!.id}.ndjson`), 'utf8');
    assert.match(text, 'invalid input syntax', 'the failure is in the journal');
    assert.not.match(text, secret, 'no password in the journal');
    assert.match(text, '***');

    // Fix t03; resume runs only t03 (the others finished).
    writeFiles(dir, { 'bad/update2.sql': 'SELECT 2;\n' });
    const resumed = await runPgv(['apply', '--resume', journal!.id, '--json'], { cwd: dir, env });
    assert.is(resumed.code, 0, resumed.stderr);
    const doc = jsonOf(resumed);
    assert.equal(doc.resumed.finished, ['t01', 't02']);
    assert.equal(doc.resumed.failed.map((f: { part: string }) => f.part), ['t03']);
    assert.equal(doc.parts.map((p: { name: string; status: string }) => `${p.name}:${p.status}`), ['t03:applied']);
    for (const j of journals(dir)) assert.not.match(JSON.stringify(j.lines), secret);
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
});

test('resume: another config\'s run is refused; parts gone from the config or new in it are named', async () => {
  const prefix = uniqueName('res_changed');
  const dir = makeProject('resume-changed');
  const { yaml, dbs } = fleetConfig(prefix, 4);
  writeFiles(dir, { ...scripts, 'schema/update2.sql': 'SELECT 1;\n', 'bad/update1.sql': 'SELECT 1/0;\n', 'pgv.config.yaml': yaml.replace(/(t04:\n(?:.*\n){2}    schema: )schema/, '$1bad') });
  try {
    assert.is((await runPgv(['apply'], { cwd: dir })).code, 3);
    const [journal] = journals(dir);
    // Another config file beside it: its runs are its own.
    writeFiles(dir, { 'other.yaml': yaml });
    const other = await runPgv(['-c', 'other.yaml', 'apply', '--resume', journal!.id], { cwd: dir });
    assert.is(other.code, 2, other.stderr);
    assert.match(other.stderr, `run ${journal!.id} is a run of ${path.join(dir, 'pgv.config.yaml')}, not of ${path.join(dir, 'other.yaml')}`);
    const none = await runPgv(['-c', 'other.yaml', 'apply', '--resume'], { cwd: dir });
    assert.is(none.code, 2, none.stderr);
    assert.match(none.stderr, `no run of ${path.join(dir, 'other.yaml')} to resume`);
    const unknown = await runPgv(['apply', '--resume', 'no-such-run'], { cwd: dir });
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, 'no run "no-such-run"');
    assert.match(unknown.stderr, journal!.id);

    // t04 leaves the config, t05 joins it: the resume names both, and plans t05 (the run selected every part).
    const t05 = `${prefix}_t05`;
    dbs.push(t05);
    const changed = yaml.replace(/  t04:\n(?:    .*\n)+/, '') + `  t05:\n    recipe: schema\n    dbname: ${t05}\n    schema: schema\n    create: true\n`;
    writeFiles(dir, { 'pgv.config.yaml': changed });
    const dry = await runPgv(['apply', '--resume', '--dry-run'], { cwd: dir });
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^resuming run \S+ \(ended at [^)]+\): 3 parts finished, 1 failed \(t04\), 0 not started\n/);
    assert.match(dry.stdout, 't05');
    assert.match(dry.stderr, 'no longer in the config (not run): t04');
    assert.match(dry.stderr, 'new in the config since run');
    const planned = jsonOf(await runPgv(['plan', '--resume', '--json'], { cwd: dir }));
    assert.equal(planned.parts.map((p: { name: string }) => p.name), ['t05']);
    assert.equal(validateAgainst('pgv.plan.schema.json', planned), []);
    assert.equal([planned.resumed.finished, planned.resumed.gone, planned.resumed.added], [['t01', 't02', 't03'], ['t04'], ['t05']]);
    const resumed = await runPgv(['apply', '--resume'], { cwd: dir });
    assert.is(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /t05 \(\S+\): \d+ steps applied/);
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
});

test('--no-journal writes none; a one-part apply with nothing to do still has one', async () => {
  const dir = makeProject('resume-nojournal');
  const { yaml, dbs } = fleetConfig(uniqueName('res_nojournal'), 2);
  writeFiles(dir, { ...scripts, 'schema/update2.sql': 'SELECT 1;\n', 'pgv.config.yaml': yaml });
  try {
    const run = await runPgv(['apply', '--no-journal'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.not.ok(existsSync(path.join(dir, '.pgv')), 'no .pgv folder');
    const once = await runPgv(['apply', 't01'], { cwd: dir });
    assert.is(once.code, 0, once.stderr);
    const [journal] = journals(dir);
    assert.equal(journal!.lines.map((l) => l.type), ['run', 'run-started', 'part-finished', 'run-finished']);
    assert.equal(journal!.lines[0].parts, [{ part: 't01', database: dbs[0] }]);
    assert.is(journal!.lines[0].all, false);
    assert.is(readFileSync(path.join(dir, '.pgv', '.gitignore'), 'utf8'), '*\n');
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
});

test('a project where .pgv/runs cannot be made: the run goes on, and a warning says there is no journal', async () => {
  const dir = makeProject('resume-unwritable');
  const { yaml, dbs } = fleetConfig(uniqueName('res_unwritable'), 2);
  // A file where the folder should be: mkdir fails even for root (who ignores permissions).
  writeFiles(dir, { ...scripts, 'schema/update2.sql': 'SELECT 1;\n', 'pgv.config.yaml': yaml, '.pgv': 'not a folder\n' });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, 'Done in');
    // The databases this run created are not steps "done meanwhile by another runner".
    assert.not.match(run.stderr, 'meanwhile');
    assert.match(run.stderr, `no run journal (apply --resume will not know this run): cannot write ${path.join(dir, '.pgv', 'runs')}`, run.stderr);
  } finally {
    await Promise.all(dbs.map(dropDatabase));
  }
});

test('resume takes its parts from the journal: PART with --resume is a usage error', async () => {
  const dir = makeProject('resume-usage');
  writeFiles(dir, { ...scripts, 'pgv.config.yaml': fleetConfig(uniqueName('res_usage'), 2).yaml });
  const run = await runPgv(['apply', '--resume', 'a', 'b'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, '--resume takes one run');
  const to = await runPgv(['apply', '--resume', '--to', '2'], { cwd: dir });
  assert.is(to.code, 2);
  assert.match(to.stderr, '--resume takes its parts (and shard), --to and --accept-changed from the run it resumes');
  // A part's name where a run id goes: said so, with what to run instead.
  const part = await runPgv(['apply', '--resume', 't01'], { cwd: dir });
  assert.is(part.code, 2);
  assert.match(part.stderr, '--resume takes a run id, and "t01" is a part');
  assert.match(part.stderr, '`pgv apply t01` for a new run of that part');
});

test.run();
