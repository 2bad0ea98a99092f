/**
 * A fleet's rollout (issue 19): groups in order (the canary finishes before the rest starts),
 * per_server measured in pg_stat_activity, on_error continue and stop, a server that is down,
 * the failure summary, and the refusals. Two "servers" are the test cluster under two names,
 * told apart by their application_name (pgv-ro-PID-a, pgv-ro-PID-b).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { cluster, dropDatabase, tablesOf, uniqueName, withDb } from '../helpers/db.js';
import { connect } from '../../lib/db/client.js';
import { specFor } from '../helpers/db.js';

// The servers' application names: pgv's, and this file's own (other files' fleets run meanwhile).
const appA = `pgv-ro-${process.pid}-a`;
const appB = `pgv-ro-${process.pid}-b`;

function server(app: string, extra = ''): string {
  return `    host: ${JSON.stringify(cluster.socketDir)}\n    port: ${cluster.port}\n    user: postgres\n    application_name: ${app}\n${extra}`;
}

/** n databases per server: PREFIX_a_1 … and PREFIX_b_1 … */
async function tenants(n: number): Promise<{ prefix: string; a: string[]; b: string[] }> {
  const prefix = uniqueName('ro');
  const make = async (name: string) => {
    await withDb('postgres', (db) => db.query(`CREATE DATABASE "${name}"`));
    return name;
  };
  const a: string[] = [];
  const b: string[] = [];
  for (let k = 1; k <= n; k++) {
    a.push(await make(`${prefix}_a_${k}`));
    b.push(await make(`${prefix}_b_${k}`));
  }
  return { prefix, a, b };
}

/** A project: template `tenant` over servers a and b (each its own list), and a rollout. */
function project(t: { a: string[]; b: string[] }, rollout: string, script = 'CREATE TABLE t (id int);\n', extraServers = '', servers = '[a, b]'): string {
  const dir = makeProject('rollout');
  writeFiles(dir, {
    'schema/update1.sql': script,
    'tenants.txt': [...t.a].join('\n'),
    'pgv.config.yaml':
      `servers:\n  a:\n${server(appA)}  b:\n${server(appB)}${extraServers}` +
      `parts:\n  tenant:\n    recipe: schema\n    schema: schema\n    for_each:\n      servers: ${servers}\n      query: "select datname from pg_database where datname ~ '^${t.a[0]!.replace(/_a_1$/, '')}_[ab]_' order by 1"\n` +
      (rollout ? `rollout:\n${rollout}` : ''),
  });
  return dir;
}

/** A script that creates table t, and fails in database `broken`. */
function failing(broken: string): string {
  return `CREATE TABLE t (id int);\nDO $$ BEGIN IF current_database() = '${broken}' THEN RAISE EXCEPTION 'tenant % is broken', current_database(); END IF; END $$;\n`;
}

function eventsOf(stdout: string): Array<Record<string, any>> {
  return stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

async function dropAll(t: { a: string[]; b: string[] }): Promise<void> {
  for (const d of [...t.a, ...t.b]) await dropDatabase(d);
}

test('the canary group finishes before the next starts; per_server is never exceeded (sampled in pg_stat_activity)', async () => {
  const t = await tenants(5);
  // On one cluster both servers' query finds all ten databases: 20 parts, 10 per server name.
  const dir = project(t, `  - match: "*_1"\n    concurrency: 1\n  - match: "*"\n    concurrency: 8\n    per_server: 2\n    on_error: continue\n`, 'SELECT pg_sleep(0.3);\nCREATE TABLE IF NOT EXISTS t (id int);\n');
  const peak = new Map<string, number>();
  const over: string[] = [];
  const sampler = await connect(specFor('postgres'));
  let sampling = true;
  const sample = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ app: string; n: number }>("SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity WHERE application_name IN ($1, $2) GROUP BY 1", [appA, appB]);
      for (const r of rows) peak.set(r.app, Math.max(peak.get(r.app) ?? 0, r.n));
      // Over the limit: what the sessions were, for the assertion's message.
      if (rows.some((r) => r.n > 2)) over.push(JSON.stringify((await sampler.query("SELECT pid, application_name, state, datname, left(query, 40) q FROM pg_stat_activity WHERE application_name IN ($1, $2)", [appA, appB])).rows));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    const run = await runPgv(['apply', '--json-lines', '--concurrency', '8'], { cwd: dir });
    sampling = false;
    await sample;
    assert.is(run.code, 0, run.stderr);
    const events = eventsOf(run.stdout);
    const canary = new Set(events.filter((e) => e.type === 'part-started' && /_[ab]_1$/.test(e.part)).map((e) => e.part));
    assert.is(canary.size, 4); // a_1 and b_1, on servers a and b
    const lastCanary = Math.max(...events.map((e, k) => (e.type === 'part-finished' && canary.has(e.part) ? k : -1)));
    const firstRest = events.findIndex((e) => e.type === 'part-started' && !canary.has(e.part));
    assert.ok(lastCanary < firstRest, `canary finished at event ${lastCanary}, the rest started at ${firstRest}`);
    // concurrency 1 in the canary: its parts never overlap.
    const canaryEvents = events.filter((e) => (e.type === 'part-started' || e.type === 'part-finished') && canary.has(e.part)).map((e) => e.type);
    assert.equal(canaryEvents, ['part-started', 'part-finished', 'part-started', 'part-finished', 'part-started', 'part-finished', 'part-started', 'part-finished']);
    // The sampler saw pgv's sessions, and never more than per_server on either server.
    assert.ok((peak.get(appA) ?? 0) >= 1 && (peak.get(appB) ?? 0) >= 1, JSON.stringify([...peak]));
    assert.ok((peak.get(appA) ?? 0) <= 2 && (peak.get(appB) ?? 0) <= 2, `${JSON.stringify([...peak])}\n${over.join('\n')}`);
    for (const d of [...t.a, ...t.b]) assert.ok((await tablesOf(d)).includes('public.t'));
  } finally {
    sampling = false;
    await sample.catch(() => undefined);
    await sampler.end();
    await dropAll(t);
  }
});

test('on_error continue: one failing database is reported, the others are applied, exit 3, the summary names it', async () => {
  const t = await tenants(3);
  const dir = project(t, '  - match: "*"\n    on_error: continue\n', failing(t.a[1]!), '', '[a]');
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    assert.match(run.stdout, '1 of 6 databases failed:', run.stdout);
    assert.match(run.stdout, new RegExp(`tenant/a/${t.a[1]}\\s+failed\\s+.*tenant ${t.a[1]} is broken`));
    for (const d of [t.a[0]!, t.a[2]!, ...t.b]) assert.equal(await tablesOf(d), ['pgv.upgrades', 'public.t'], d);
    const json = jsonOf(await runPgv(['apply', '--json'], { cwd: dir }));
    assert.equal(json.failures.map((f: { part: string }) => f.part), [`tenant/a/${t.a[1]}`]);
    assert.is(json.failures[0].error.code, 'script_failed');
  } finally {
    await dropAll(t);
  }
});

test('on_error stop: a failure in the canary leaves every later database untouched and reported not run', async () => {
  const t = await tenants(3);
  const dir = project(t, '  - match: "*_a_1"\n    on_error: stop\n  - match: "*"\n    on_error: continue\n', failing(t.a[0]!), '', '[a]');
  try {
    const run = await runPgv(['apply', '--json'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    const json = jsonOf(run);
    assert.ok(json.failures, run.stdout);
    const byPart = new Map(json.failures.map((f: { part: string; status: string }) => [f.part, f.status]));
    assert.is(byPart.get(`tenant/a/${t.a[0]}`), 'failed');
    assert.is(byPart.size, 6);
    for (const d of [t.a[1]!, t.a[2]!, ...t.b]) {
      assert.is(byPart.get(`tenant/a/${d}`), 'not-run');
      assert.equal(await tablesOf(d), [], d);
    }
    assert.match(json.failures[1].error.message, new RegExp(`^part tenant/a/${t.a[0]} failed in rollout group 1 .*, whose on_error is stop$`));
  } finally {
    await dropAll(t);
  }
});

test('a server that is down fails its databases, named with the connection error; the others are applied (continue)', async () => {
  const t = await tenants(2);
  const dir = makeProject('rollout');
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'pgv.config.yaml':
      `servers:\n  a:\n${server(appA)}  down:\n    host: 127.0.0.1\n    port: 9\n    user: postgres\n    connect_timeout: 2\n` +
      `parts:\n  tenant:\n    recipe: schema\n    schema: schema\n    for_each:\n      servers: [a, down]\n      list: [${t.a.join(', ')}]\n` +
      'rollout:\n  - match: "*"\n    on_error: continue\n',
  });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    for (const d of t.a) {
      assert.equal(await tablesOf(d), ['pgv.upgrades', 'public.t']);
      assert.match(run.stdout, new RegExp(`tenant/down/${d}\\s+failed\\s+part tenant/down/${d}: cannot connect to`));
    }
    assert.match(run.stdout, '2 of 4 databases failed:');
    const plan = await runPgv(['plan'], { cwd: dir });
    assert.is(plan.code, 3);
    assert.match(plan.stdout, `tenant/down/${t.a[0]} (${t.a[0]}): CANNOT BE REACHED`);
    assert.match(plan.stdout, '2 parts could not be reached; nothing to do for the others.');
  } finally {
    await dropAll(t);
  }
});

test('with a query, a server that is down fails as TEMPLATE/SERVER/* (its databases are unknown); the others are applied', async () => {
  const t = await tenants(2);
  const dir = makeProject('rollout-query');
  const like = `${t.prefix}_a_%`; // the unique prefix's a-databases (an unescaped _ matches itself too)
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'pgv.config.yaml':
      `servers:\n  a:\n${server(appA)}  down:\n    host: 127.0.0.1\n    port: 9\n    user: postgres\n    connect_timeout: 2\n` +
      `parts:\n  tenant:\n    recipe: schema\n    schema: schema\n    for_each:\n      servers: [a, down]\n      query: "SELECT datname FROM pg_database WHERE datname LIKE '${like}' ORDER BY 1"\n` +
      'rollout:\n  - match: "*"\n    on_error: continue\n',
  });
  try {
    const validate = await runPgv(['validate'], { cwd: dir });
    assert.is(validate.code, 3, validate.stderr);
    assert.match(validate.stdout, /down: CANNOT BE REACHED, part tenant\/down\/\* fails: for_each query on server down: cannot connect to/);
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 3, run.stderr);
    for (const d of t.a) assert.equal(await tablesOf(d), ['pgv.upgrades', 'public.t'], d);
    assert.match(run.stdout, 'of 3 databases failed:');
    assert.match(run.stdout, /tenant\/down\/\*\s+failed\s+part tenant\/down\/\*: for_each query on server down: cannot connect to/);
    const json = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(json.fleet[0].servers.map((s: { server: string; databases: string[]; unreachable?: string }) => [s.server, s.databases.length, s.unreachable !== undefined]), [['a', 2, false], ['down', 0, true]]);
    // A one-part command on the stand-in says why there is nothing to work on.
    const check = await runPgv(['check', 'tenant/down/*'], { cwd: dir });
    assert.is(check.code, 3, check.stderr);
    assert.match(check.stderr, 'pgv: error: for_each query on server down: cannot connect to');
    const census = await runPgv(['info', '--fleet'], { cwd: dir });
    assert.is(census.code, 3, census.stderr);
    assert.match(census.stdout + census.stderr, 'down/*');
  } finally {
    await dropAll(t);
  }
});

test('per_server below the sessions a part holds is refused before anything runs; a group matching nothing is a warning', async () => {
  const t = await tenants(1);
  const dir = project(t, '  - match: "*"\n    per_server: 1\n', 'CREATE TABLE t (id int);\n', '', '[a]');
  writeFiles(dir, { 'schema/precondition1.py': 'def precondition(conn):\n    return True\n' });
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 2, run.stderr);
    assert.match(run.stderr, /pgv\.config\.yaml:\d+: rollout group 1 \(match \*\): per_server 1 is less than the 2 sessions part tenant\/a\/\S+ holds open at once/);
    for (const d of [...t.a, ...t.b]) assert.equal(await tablesOf(d), []);
    const warned = project(t, '  - match: "nobody_*"\n', 'CREATE TABLE t (id int);\n', '', '[a]');
    const ok = await runPgv(['apply'], { cwd: warned });
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, 'rollout group 1 (match nobody_*) matches no database of this run', ok.stderr);
  } finally {
    await dropAll(t);
  }
});

test('plain progress: the canary runs alone, and the other parts show their headers only when they start', async () => {
  const t = await tenants(2);
  const dir = project(t, '  - match: "*_a_1"\n    concurrency: 1\n  - match: "*"\n    concurrency: 4\n    on_error: continue\n', 'CREATE TABLE t (id int);\n', '', '[a]');
  try {
    const run = await runPgv(['apply'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const lines = run.stderr.split('\n');
    const canary = `tenant/a/${t.a[0]}`;
    const canaryDone = lines.findIndex((l) => l.startsWith(`✔ ${canary}: `) && l.includes('done, now at version 1'));
    assert.ok(canaryDone > 0, run.stderr);
    const headers = lines.flatMap((l, k) => (l.startsWith('❯ tenant/') && l.endsWith(')') && !l.includes(': ') ? [[l, k] as const] : []));
    assert.is(headers.length, 4, run.stderr);
    assert.is(headers[0]![0], `❯ ${canary} (${t.a[0]})`, run.stderr);
    for (const [line, k] of headers.slice(1)) assert.ok(k > canaryDone, `${line} comes after the canary finished:\n${run.stderr}`);
  } finally {
    await dropAll(t);
  }
});

test.run();
