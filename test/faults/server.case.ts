/**
 * The server goes away under pgv: restarted (fast and immediate) in the middle of a script, a
 * revert and a dump; the connection cut with pg_terminate_backend; a statement or lock timeout hit
 * by a script; pg_dump writing into a directory it may not write or onto a full device.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeProject, runPgv, schemaConfig, spawnPgv, writeFiles, type RunningPgv } from '../helpers/cli.js';
import { createDatabase, dropDatabase, databaseExists, withDb } from '../helpers/db.js';
import { clusterEnv, bareDir, dropFamily } from '../helpers/snapshot.js';
import { restartServer } from '../../lib/server/embedded.js';
import { connect } from '../../lib/db/client.js';
import { specFor } from '../helpers/db.js';
import { ledgerProblems, outputProblems, sleep, throwawayDatabases, waitIdle, faultServer, type FaultCase, type ScriptEffect, type Tally } from './harness.js';

const effects: ScriptEffect[] = [1, 2, 3].map((i) => ({ script: `update${i}.sql`, effect: `to_regclass('public.t${i}') IS NOT NULL` }));

/** A project whose update2 runs `marker` (a slow statement) before creating t2. */
function slowProject(db: string, slow: string): string {
  const dir = makeProject('server');
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t1 (id int);\n',
    'schema/update2.sql': `${slow}\nCREATE TABLE t2 (id int);\n`,
    'schema/update3.sql': 'CREATE TABLE t3 (id int);\n',
    'pgv.config.yaml': schemaConfig(db, 'schema'),
  });
  return dir;
}

/** Wait until a statement containing `marker` runs in `db`; its backend pid. */
async function runningPid(db: string, marker: string, ms = 15000): Promise<number> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const { rows } = await withDb('postgres', (c) => c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%' || $2 || '%' AND pid <> pg_backend_pid()`, [db, marker]));
    if (rows[0]) return rows[0].pid;
    await sleep(20);
  }
  throw new Error(`no statement with ${marker} ran in ${db}`);
}

async function restart(mode: 'fast' | 'immediate'): Promise<void> {
  await restartServer(faultServer(), { env: process.env }, mode);
}

/** Rerun apply after a failure: exit 0, every script recorded once and iff its table exists. */
async function rerunProblems(dir: string, db: string): Promise<string[]> {
  const rerun = await runPgv(['apply'], { cwd: dir });
  return [...outputProblems(rerun, [0]), ...(await ledgerProblems(db, effects))];
}

const restartDuringScript: FaultCase = {
  name: 'server restart during a script',
  async run(tally: Tally) {
    for (const mode of ['fast', 'immediate'] as const) {
      const db = await createDatabase(`restart_${mode}`);
      const dir = slowProject(db, 'SELECT pg_sleep(5) AS restart_me;');
      const running = spawnPgv(['apply'], { cwd: dir });
      await runningPid(db, 'restart_me');
      await restart(mode);
      const run = await running.done;
      const problems = [...outputProblems(run, [3]), ...(await ledgerProblems(db, effects))];
      tally.check(`restart -m ${mode} during update2.sql`, problems);
      writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE t2 (id int);\n' });
      tally.check(`rerun after restart -m ${mode}`, await rerunProblems(dir, db));
      await dropDatabase(db);
    }
  },
};

const cutConnection: FaultCase = {
  name: 'connection cut (pg_terminate_backend)',
  async run(tally: Tally) {
    const db = await createDatabase('terminated');
    const dir = slowProject(db, 'SELECT pg_sleep(5) AS terminate_me;');
    const running = spawnPgv(['apply'], { cwd: dir });
    const pid = await runningPid(db, 'terminate_me');
    await withDb('postgres', (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
    const run = await running.done;
    tally.check('terminated during update2.sql', [...outputProblems(run, [3]), ...(await ledgerProblems(db, effects))]);
    writeFiles(dir, { 'schema/update2.sql': 'CREATE TABLE t2 (id int);\n' });
    tally.check('rerun after the cut', await rerunProblems(dir, db));
    await dropDatabase(db);
  },
};

const timeouts: FaultCase = {
  name: 'statement and lock timeouts',
  async run(tally: Tally) {
    const db = await createDatabase('timeouts');
    const dir = slowProject(db, "SET statement_timeout = '100ms';\nSELECT pg_sleep(2);");
    let run = await runPgv(['apply'], { cwd: dir });
    const problems = [...outputProblems(run, [3]), ...(await ledgerProblems(db, effects))];
    if (!/statement timeout/.test(run.stderr)) problems.push(`the message does not name the timeout:\n${run.stderr}`);
    tally.check('statement_timeout in update2.sql', problems);
    // A lock held by another session: the script gives up after lock_timeout.
    const blocker = await connect(specFor(db));
    try {
      await blocker.query('BEGIN; LOCK TABLE t1 IN ACCESS EXCLUSIVE MODE');
      writeFiles(dir, { 'schema/update2.sql': "SET lock_timeout = '100ms';\nALTER TABLE t1 ADD COLUMN c int;\nCREATE TABLE t2 (id int);\n" });
      run = await runPgv(['apply'], { cwd: dir });
      const lockProblems = [...outputProblems(run, [3]), ...(await ledgerProblems(db, effects))];
      if (!/lock timeout/.test(run.stderr)) lockProblems.push(`the message does not name the lock timeout:\n${run.stderr}`);
      tally.check('lock_timeout in update2.sql', lockProblems);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    tally.check('rerun once the lock is gone', await rerunProblems(dir, db));
    await dropDatabase(db);
  },
};

const restartDuringRevert: FaultCase = {
  name: 'server restart during snapshot revert',
  async run(tally: Tally) {
    for (const [mode, delay] of [['fast', 150], ['immediate', 150], ['fast', 400], ['immediate', 400]] as const) {
      const db = await createDatabase(`restart_revert_${mode}`);
      const snap = (args: string[]) => spawnPgv(['snapshot', ...args, '--db', db], { cwd: bareDir(), env: clusterEnv });
      try {
        await withDb(db, (c) => c.query("CREATE TABLE t (v text); INSERT INTO t SELECT 'r' || g FROM generate_series(1, 200000) g"));
        tally.check('init', outputProblems(await snap(['init']).done, [0]));
        tally.check('commit', outputProblems(await snap(['commit']).done, [0]));
        const running: RunningPgv = snap(['revert', '0']);
        await sleep(delay);
        await restart(mode);
        const run = await running.done;
        const problems = outputProblems(run);
        if (!(await databaseExists(db))) problems.push(`the working database ${db} is missing`);
        tally.check(`restart -m ${mode} ${delay} ms into a revert`, problems);
        const next = await snap(['revert', '0']).done;
        const after = outputProblems(next, [0]);
        if (!(await databaseExists(db))) after.push(`the working database ${db} is missing after the rerun`);
        const left = await throwawayDatabases(db);
        if (left.length) after.push(`left behind: ${left.join(', ')}`);
        tally.check(`rerun after restart -m ${mode}`, after);
      } finally {
        await dropFamily(db);
      }
    }
  },
};

const dumpFaults: FaultCase = {
  name: 'pg_dump: restart, read-only and full targets',
  async run(tally: Tally) {
    const db = await createDatabase('dump_faults');
    const dir = makeProject('dump-faults');
    await withDb(db, (c) => c.query('CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 100000)'));
    try {
      for (const mode of ['fast', 'immediate'] as const) {
        // A lock makes pg_dump wait, so that the restart lands in the middle of the dump.
        const blocker = await connect(specFor(db));
        await blocker.query('BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
        const file = path.join(dir, `restart-${mode}.dump`);
        const running = spawnPgv(['dump', '--db', db, '-f', file], { cwd: dir, env: clusterEnv });
        await runningPid(db, 'LOCK TABLE public.t IN ACCESS SHARE MODE').catch(() => sleep(500));
        await restart(mode);
        await blocker.end().catch(() => undefined);
        const run = await running.done;
        const problems = outputProblems(run, [3]);
        if (existsSync(file)) problems.push(`a partial dump is left at ${file}`);
        tally.check(`restart -m ${mode} during pg_dump`, problems);
      }
      // A directory the user may not write (pgv runs as the postgres account here: root writes anywhere).
      const ro = path.join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      chmodSync(dir, 0o777);
      const { uid, gid } = await (await import('../../lib/server/account.js')).serverAccount().then((a) => a ?? { uid: process.getuid!(), gid: process.getgid!() });
      let run = await runPgv(['dump', '--db', db, '-f', path.join(ro, 'x.dump')], { cwd: dir, env: { ...clusterEnv, HOME: dir }, uid, gid });
      let problems = outputProblems(run, [2, 3]);
      if (!/read-only|permission|not writable|EACCES|cannot/i.test(run.stderr)) problems.push(`no clear message:\n${run.stderr}`);
      tally.check('pg_dump into a read-only directory', problems);
      // A full device: pgv used to rename its output over /dev/full. Refused now; checked on a
      // pipe as well, so that a regression cannot replace a real device.
      const fifo = path.join(dir, 'pipe');
      execFileSync('mkfifo', [fifo]);
      for (const target of [fifo, '/dev/full']) {
        run = await runPgv(['dump', '--db', db, '-f', target, '--format', 'plain'], { cwd: dir, env: clusterEnv });
        problems = outputProblems(run, [3]);
        if (!statSync(target).isFIFO() && !statSync(target).isCharacterDevice()) problems.push(`${target} was replaced by a regular file`);
        tally.check(`pg_dump onto ${target}`, problems);
        if (target === fifo && problems.length) break;
      }
      // A disk that fills up: a 64 kB tmpfs (mounting needs root, which this suite runs as).
      const tiny = path.join(dir, 'tiny');
      mkdirSync(tiny);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tiny]);
      try {
        run = await runPgv(['dump', '--db', db, '-f', path.join(tiny, 'x.dump'), '--format', 'plain'], { cwd: dir, env: clusterEnv });
        problems = outputProblems(run, [3]);
        if (!/No space left on device/.test(run.stderr)) problems.push(`the message does not say the disk is full:\n${run.stderr}`);
        const { readdirSync } = await import('node:fs');
        if (readdirSync(tiny).length) problems.push(`left in the full directory: ${readdirSync(tiny).join(', ')}`);
        tally.check('pg_dump onto a full 64 kB tmpfs', problems);
      } finally {
        execFileSync('umount', [tiny]);
      }
    } finally {
      await waitIdle(db).catch(() => undefined);
      await dropDatabase(db);
    }
  },
};

export const cases: FaultCase[] = [restartDuringScript, restartDuringRevert, dumpFaults, cutConnection, timeouts];
