/**
 * Secrets: a password from the config, the environment, a URL or ~/.pgpass never shows in stdout,
 * stderr, --json, error messages, or pg_dump's argument list; a readable config holding a literal
 * password draws a warning naming the file and the fix.
 */
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeProject, runPgv, spawnPgv, writeFiles, type PgvRun } from '../helpers/cli.js';
import { cluster, createDatabase, dropDatabase, specFor } from '../helpers/db.js';
import { connect } from '../../lib/db/client.js';
import { outputProblems, sleep, type FaultCase, type Tally } from './harness.js';

const secret = 'Pw-9f3KxQ-secret';

function leakProblems(run: PgvRun, allowed: number[]): string[] {
  const problems = outputProblems(run, allowed);
  if (run.stdout.includes(secret) || run.stderr.includes(secret)) problems.push(`the password shows:\n${run.stdout}\n${run.stderr}`.slice(0, 2000));
  if (run.stdout.includes(encodeURIComponent(secret).replace(/-/g, '%2D'))) problems.push('the password shows URL-encoded');
  return problems;
}

/** pg_dump processes whose arguments mention `marker`: their argv. */
function pgDumpArgvs(marker: string): string[][] {
  const out: string[][] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv[0] && path.basename(argv[0]) === 'pg_dump' && argv.some((a) => a.includes(marker))) out.push(argv);
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

const secrets: FaultCase = {
  name: 'secrets never printed',
  async run(tally: Tally) {
    const db = await createDatabase('secrets');
    const host = cluster.socketDir;
    const url = (dbname: string) => `postgresql://postgres:${secret}@localhost/${dbname}?host=${encodeURIComponent(host)}&port=${cluster.port}`;
    const dir = makeProject('secrets');
    writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE t (id int);\n' });
    const home = makeProject('home');
    writeFileSync(path.join(home, '.pgpass'), `*:*:*:*:${secret}\n`, { mode: 0o600 });
    const sources: { label: string; connection: string; env: Record<string, string> }[] = [
      { label: 'config password', connection: `connection:\n  host: ${JSON.stringify(host)}\n  port: ${cluster.port}\n  user: postgres\n  password: ${JSON.stringify(secret)}\n`, env: {} },
      { label: 'PGPASSWORD', connection: `connection:\n  host: ${JSON.stringify(host)}\n  port: ${cluster.port}\n  user: postgres\n`, env: { PGPASSWORD: secret } },
      { label: 'URL in the config', connection: `connection:\n  url: ${JSON.stringify(url('postgres'))}\n`, env: {} },
      { label: '.pgpass', connection: `connection:\n  host: ${JSON.stringify(host)}\n  port: ${cluster.port}\n  user: postgres\n`, env: { HOME: home, PGPASSFILE: path.join(home, '.pgpass') } },
    ];
    for (const s of sources) {
      for (const [dbname, exists] of [[db, true], [`${db}_missing`, false]] as const) {
        writeFiles(dir, { 'pgv.config.yaml': `${s.connection}parts:\n  app:\n    recipe: schema\n    dbname: ${dbname}\n    schema: schema\n` });
        chmodSync(path.join(dir, 'pgv.config.yaml'), 0o600);
        for (const args of [['validate'], ['validate', '--json'], ['plan'], ['plan', '--json'], ['info', '--json'], ['apply', '-v'], ['apply', '--json'], ['check', 'app', '--db2', url(dbname)], ['snapshot', 'info', 'app', '--json'], ['dump', 'app', '-f', path.join(dir, 'x.dump')]]) {
          const run = await runPgv(args, { cwd: dir, env: s.env });
          tally.check(`${s.label}, ${exists ? '' : 'missing database, '}pgv ${args.join(' ')}`, leakProblems(run, [0, 1, 2, 3]));
        }
      }
    }
    // Connection strings on the command line, broken in ways that make error messages quote them.
    for (const conn of [url(`${db}_missing`), `postgresql://postgres:${secret}@localhost:notaport/x`, `postgresql://postgres:${secret}@127.0.0.1:1/x`, `host=${host} password=${secret} dbname=x bogus=1`, `password=${secret} dbname='unterminated`]) {
      for (const args of [['dump', '--db', conn, '-f', path.join(dir, 'y.dump')], ['snapshot', 'info', '--db', conn], ['check', '--db1', conn, '--db2', conn], ['restore', '--db', conn, '-f', path.join(dir, 'y.dump')]]) {
        const run = await runPgv([...args, '--json'], { cwd: makeProject('bare') });
        tally.check(`pgv ${args[0]} with ${conn.replace(secret, '***')}`, leakProblems(run, [2, 3]));
      }
    }
    // pg_dump's arguments while it runs (a lock makes it wait).
    const blocker = await connect(specFor(db));
    try {
      await blocker.query('CREATE TABLE IF NOT EXISTS locked (id int); BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
      const file = path.join(dir, 'argv-marker.dump');
      const running = spawnPgv(['dump', '--db', url(db), '-f', file], { cwd: dir });
      let seen: string[][] = [];
      for (let i = 0; i < 400 && seen.length === 0; i++) {
        await sleep(25);
        seen = pgDumpArgvs('argv-marker');
      }
      await blocker.query('COMMIT');
      const run = await running.done;
      const problems = leakProblems(run, [0]);
      if (seen.length === 0) problems.push('pg_dump was not seen running');
      if (seen.flat().some((a) => a.includes(secret))) problems.push(`pg_dump's arguments hold the password: ${seen.flat().join(' ')}`);
      tally.check("pg_dump's argument list", problems);
    } finally {
      await blocker.end();
    }
    // A readable config holding a literal password: a warning naming the file and the fix.
    for (const [label, connection, mode, warned] of [
      ['literal password, mode 644', `connection:\n  password: ${secret}\n`, 0o644, true],
      ['literal password in a URL, mode 640', `connection:\n  url: ${JSON.stringify(url('postgres'))}\n`, 0o640, true],
      ['literal password, mode 600', `connection:\n  password: ${secret}\n`, 0o600, false],
      ['${env:PGPASSWORD}, mode 644', 'connection:\n  password: ${env:PGPASSWORD}\n', 0o644, false],
    ] as const) {
      const file = path.join(dir, 'pgv.config.yaml');
      writeFiles(dir, { 'pgv.config.yaml': `${connection}parts:\n  app:\n    recipe: schema\n    dbname: ${db}\n    schema: schema\n` });
      chmodSync(file, mode);
      const run = await runPgv(['validate'], { cwd: dir, env: { PGPASSWORD: secret } });
      const problems = leakProblems(run, [0]);
      const has = run.stderr.includes(`pgv: warning: ${file} holds a password and other users can read it`) && run.stderr.includes(`chmod 600 ${file}`);
      if (has !== warned) problems.push(`${warned ? 'no' : 'an unexpected'} warning:\n${run.stderr}`);
      tally.check(label, problems);
    }
    await dropDatabase(db);
  },
};

export const cases: FaultCase[] = [secrets];
