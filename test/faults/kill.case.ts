/**
 * pgv killed with SIGKILL at spread-out points of apply, snapshot revert, test-and-upgrade and
 * restore, then run again: the ledger matches the catalog, the working database keeps its name,
 * and the next run leaves no throwaway database behind.
 */
import path from 'node:path';
import { makeProject, runPgv, schemaConfig, spawnPgv, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, databaseExists, withDb } from '../helpers/db.js';
import { clusterEnv, bareDir, dropFamily, familyOf, valuesOf } from '../helpers/snapshot.js';
import { sleep, killAfter, killDelays, ledgerProblems, outputProblems, seeded, throwawayDatabases, waitIdle, type FaultCase, type ScriptEffect, type Tally } from './harness.js';

const points = Number(process.env.PGV_FAULTS_POINTS ?? 22);

/** 30 small updates, a slow one (12) and one outside a transaction (20). */
function manyScripts(): { files: Record<string, string>; effects: ScriptEffect[] } {
  const files: Record<string, string> = {};
  const effects: ScriptEffect[] = [];
  for (let i = 1; i <= 30; i++) {
    const script = `update${i}.sql`;
    if (i === 20) {
      files[`schema/${script}`] = '-- pgv:no-transaction\nCREATE INDEX CONCURRENTLY i20 ON t1 (id);\n';
      effects.push({ script, effect: "EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('public.i20') AND indisvalid)", noTransaction: true });
      continue;
    }
    files[`schema/${script}`] = `${i === 12 ? 'SELECT pg_sleep(0.4);\n' : ''}CREATE TABLE t${i} (id int);\n`;
    effects.push({ script, effect: `to_regclass('public.t${i}') IS NOT NULL` });
  }
  return { files, effects };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const value = await fn();
  return [value, Date.now() - t0];
}

const killApply: FaultCase = {
  name: 'SIGKILL during apply',
  async run(tally: Tally) {
    const random = seeded(8);
    const { files, effects } = manyScripts();
    const dir = makeProject('kill-apply');
    // One uninterrupted run measures the span the kill points spread over.
    const probe = await createDatabase('kill_apply_probe');
    writeFiles(dir, { ...files, 'pgv.config.yaml': schemaConfig(probe, 'schema') });
    const [full, span] = await timed(() => runPgv(['apply'], { cwd: dir }));
    tally.check('uninterrupted apply', [...outputProblems(full, [0]), ...(await ledgerProblems(probe, effects))]);
    await dropDatabase(probe);
    for (const delay of killDelays(points, span, random)) {
      const db = await createDatabase('kill_apply');
      writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema') });
      const { killed, run } = await killAfter(spawnPgv(['apply'], { cwd: dir }), delay);
      if (killed) tally.killPoints++;
      await waitIdle(db);
      tally.check(`killed after ${delay} ms`, [...(killed ? [] : outputProblems(run, [0])), ...(await ledgerProblems(db, effects))]);
      const rerun = await runPgv(['apply'], { cwd: dir });
      const problems = [...outputProblems(rerun), ...(await ledgerProblems(db, effects))];
      if (rerun.code === 3 && !/update20\.sql .*never finished/.test(rerun.stderr)) problems.push(`exit 3 for another reason than the unfinished no-transaction script:\n${rerun.stderr}`);
      tally.check(`rerun after a kill at ${delay} ms`, problems);
      await dropDatabase(db);
    }
  },
};

const killRevert: FaultCase = {
  name: 'SIGKILL during snapshot revert',
  async run(tally: Tally) {
    const random = seeded(9);
    const db = await createDatabase('kill_revert');
    const snap = (args: string[], env: Record<string, string> = {}) => spawnPgv(['snapshot', ...args, '--db', db], { cwd: bareDir(), env: { ...clusterEnv, ...env } });
    try {
      await withDb(db, (c) => c.query("CREATE TABLE t (v text); INSERT INTO t SELECT 'row' || g FROM generate_series(1, 2000) g"));
      tally.check('snapshot init', outputProblems(await snap(['init']).done, [0]));
      tally.check('snapshot commit', outputProblems(await snap(['commit']).done, [0]));
      await withDb(db, (c) => c.query("INSERT INTO t VALUES ('later')"));
      const expected = (await valuesOf(db)).filter((v) => v !== 'later');
      const [first, span] = await timed(() => snap(['revert', '0']).done);
      tally.check('uninterrupted revert', outputProblems(first, [0]));
      const kills: { delay: number; env: Record<string, string> }[] = killDelays(points, span, random).map((delay) => ({ delay, env: {} }));
      // The pause hook stops the revert exactly between its steps.
      for (const at of ['revert:journaled', 'revert:copied', 'revert:swapped', 'revert:dropped']) kills.push({ delay: 0, env: { PGV_TEST_PAUSE_AT: at } });
      for (const k of kills) {
        await withDb(db, (c) => c.query("INSERT INTO t VALUES ('later')"));
        const running = snap(['revert', '0'], k.env);
        const label = k.env.PGV_TEST_PAUSE_AT ? `killed at ${k.env.PGV_TEST_PAUSE_AT}` : `killed after ${k.delay} ms`;
        if (k.env.PGV_TEST_PAUSE_AT) {
          // Wait until the hook holds the process (its stderr stops growing is not enough: poll the family).
          await new Promise((r) => setTimeout(r, 1500));
        }
        const { killed, run } = await killAfter(running, k.delay);
        if (killed) tally.killPoints++;
        const problems = killed ? [] : outputProblems(run, [0]);
        if (!(await databaseExists(db))) problems.push(`the working database ${db} is missing right after the kill`);
        tally.check(label, problems);
        await waitIdleFamily(db);
        const next = await snap(['revert', '0']).done;
        const after = [...outputProblems(next, [0])];
        if (!(await databaseExists(db))) after.push(`the working database ${db} is missing after the rerun`);
        else if ((await valuesOf(db)).join() !== expected.join()) after.push('the working database does not hold revision 0 after the rerun');
        const left = await throwawayDatabases(db);
        if (left.length) after.push(`left behind: ${left.join(', ')}`);
        tally.check(`rerun after ${label}`, after);
      }
    } finally {
      await dropFamily(db);
    }
  },
};

async function waitIdleFamily(db: string): Promise<void> {
  for (const d of await familyOf(db)) await waitIdle(d);
}

/** Schema updates 1..n creating tables a1..an. */
function updates(from: number, to: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = from; i <= to; i++) files[`schema/update${i}.sql`] = `CREATE TABLE a${i} (id int PRIMARY KEY, v text);\nINSERT INTO a${i} SELECT g, 'x' FROM generate_series(1, 500) g;\n`;
  return files;
}

function updateEffects(n: number): ScriptEffect[] {
  return Array.from({ length: n }, (_, k) => ({ script: `update${k + 1}.sql`, effect: `to_regclass('public.a${k + 1}') IS NOT NULL` }));
}

const killTestAndUpgrade: FaultCase = {
  name: 'SIGKILL during test-and-upgrade',
  async run(tally: Tally) {
    const random = seeded(10);
    let span = 0;
    for (let i = 0; i <= points; i++) {
      const dir = makeProject('kill-tau');
      const db = await createDatabase('kill_tau');
      writeFiles(dir, { ...updates(1, 3), 'pgv.config.yaml': schemaConfig(db, 'schema') });
      tally.check('apply updates 1-3', outputProblems(await runPgv(['apply'], { cwd: dir }), [0]));
      writeFiles(dir, updates(4, 8));
      if (i === 0) {
        // The first round runs uninterrupted and measures the span.
        const [run, ms] = await timed(() => runPgv(['test-and-upgrade', 'app'], { cwd: dir }));
        span = ms;
        if (process.env.PGV_FAULTS_DEBUG) console.error(`test-and-upgrade takes ${ms} ms`);
        tally.check('uninterrupted test-and-upgrade', [...outputProblems(run, [0]), ...(await ledgerProblems(db, updateEffects(8)))]);
      } else {
        // Kill points over the first 90% of the measured span: the end of a run is mostly process exit.
        const delay = Math.round(((i - 1 + random()) / points) * span * 0.9);
        const { killed, run } = await killAfter(spawnPgv(['test-and-upgrade', 'app'], { cwd: dir }), delay);
        if (killed) tally.killPoints++;
        await waitIdle(db);
        tally.check(`killed after ${delay} ms`, [...(killed ? [] : outputProblems(run, [0])), ...(await ledgerProblems(db, updateEffects(8)))]);
        const rerun = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
        const problems = [...outputProblems(rerun, [0]), ...(await ledgerProblems(db, updateEffects(8)))];
        const left = await throwawayDatabases(db);
        if (left.length) problems.push(`left behind after the rerun: ${left.join(', ')}`);
        tally.check(`rerun after a kill at ${delay} ms`, problems);
      }
      for (const d of await throwawayDatabases(db)) await dropDatabase(d);
      await dropDatabase(db);
    }
  },
};

const killRestore: FaultCase = {
  name: 'SIGKILL during restore',
  async run(tally: Tally) {
    const random = seeded(11);
    const dir = makeProject('kill-restore');
    const source = await createDatabase('kill_restore_src');
    const file = path.join(dir, 'source.dump');
    const env = clusterEnv;
    try {
      await withDb(source, (c) => c.query("CREATE TABLE big (id int PRIMARY KEY, v text); INSERT INTO big SELECT g, repeat('x', 100) FROM generate_series(1, 100000) g; CREATE TABLE small (id int); CREATE VIEW vw AS SELECT * FROM small"));
      tally.check('dump the source', outputProblems(await runPgv(['dump', '--db', source, '-f', file], { cwd: dir, env }), [0]));
      const count = async (db: string) => withDb(db, async (c) => Number((await c.query<{ n: string }>("SELECT count(*) AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace")).rows[0]!.n));
      const expected = await count(source);
      const target0 = `${source}_t0`;
      const [first, span] = await timed(() => runPgv(['restore', '--db', target0, '-f', file, '--create'], { cwd: dir, env }));
      tally.check('uninterrupted restore', outputProblems(first, [0]));
      await dropDatabase(target0);
      let n = 0;
      for (const delay of killDelays(points, span, random)) {
        const target = `${source}_t${++n}`;
        const { killed, run } = await killAfter(spawnPgv(['restore', '--db', target, '-f', file, '--create'], { cwd: dir, env }), delay);
        if (killed) tally.killPoints++;
        if (await databaseExists(target)) await waitIdle(target);
        tally.check(`killed after ${delay} ms`, killed ? [] : outputProblems(run, [0]));
        // pg_restore is a child process: a SIGKILL of pgv does not reach it, and it may finish the
        // (single-transaction) restore on its own. Wait for it, as a user would, then run again.
        await waitForNoTool('pg_restore', file);
        let rerun = await runPgv(['restore', '--db', target, '-f', file, '--create'], { cwd: dir, env });
        const problems = outputProblems(rerun, [0, 3]);
        // The killed run's backend may still be creating the database: exit 3 says so; run again.
        if (rerun.code === 3 && /created by another session/.test(rerun.stderr)) {
          await sleep(500);
          rerun = await runPgv(['restore', '--db', target, '-f', file, '--create'], { cwd: dir, env });
        }
        // Refused as not empty: only acceptable when the orphaned pg_restore restored everything.
        const finishedByOrphan = rerun.code === 3 && /is not empty/.test(rerun.stderr) && (await count(target)) === expected;
        problems.push(...outputProblems(rerun, finishedByOrphan ? [3] : [0]));
        if (rerun.code === 0 && (await count(target)) !== expected) problems.push(`the rerun restored ${await count(target)} of ${expected} relations`);
        tally.check(`rerun after a kill at ${delay} ms`, problems);
        await dropDatabase(target);
      }
    } finally {
      await dropDatabase(source);
    }
  },
};

/** Wait until no `tool` process whose arguments mention `marker` runs (an orphan of a killed pgv). */
async function waitForNoTool(tool: string, marker: string, ms = 30000): Promise<void> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const running = readdirSync('/proc').some((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return path.basename(argv[0] ?? '') === tool && argv.some((a) => a.includes(marker));
      } catch {
        return false;
      }
    });
    if (!running) return;
    await sleep(50);
  }
  throw new Error(`${tool} still runs after ${ms} ms`);
}

export const cases: FaultCase[] = [killApply, killRevert, killTestAndUpgrade, killRestore];
