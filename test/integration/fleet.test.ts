/**
 * Fleets (issue 19): `servers:`, `for_each` parts expanded by query, list and file into
 * TEMPLATE/SERVER/DBNAME parts, `${each:…}`, validate and plan showing the expansion, part names
 * on the command line, and every bad input as a clear error before anything runs. Two "servers"
 * are the test cluster under two names (each with its own application_name).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';
import { cluster, createDatabase, dropDatabase, tablesOf, uniqueName, withDb } from '../helpers/db.js';

/** The `servers:` block: a and b, both the test cluster. */
function serversYaml(): string {
  const one = (app: string) => `    host: ${JSON.stringify(cluster.socketDir)}\n    port: ${cluster.port}\n    user: postgres\n    application_name: ${app}\n`;
  return `servers:\n  a:\n${one('pgv-a')}  b:\n${one('pgv-b')}`;
}

/** Databases PREFIX_a_1.. and PREFIX_b_1.. on the test cluster; returns the prefix and the names by server. */
async function fleetDatabases(perServer: number): Promise<{ prefix: string; a: string[]; b: string[] }> {
  const prefix = uniqueName('fl');
  const a: string[] = [];
  const b: string[] = [];
  for (let k = 1; k <= perServer; k++) {
    a.push(await createNamed(`${prefix}_a_${k}`));
    b.push(await createNamed(`${prefix}_b_${k}`));
  }
  return { prefix, a, b };
}

async function createNamed(name: string): Promise<string> {
  await withDb('postgres', (db) => db.query(`CREATE DATABASE "${name}"`));
  return name;
}

/** A project whose part `tenant` is a for_each template with the given source. */
function fleetProject(source: string, extra = ''): string {
  const dir = makeProject('fleet');
  writeFiles(dir, {
    'schema/update1.sql': "CREATE TABLE t (id int, server text DEFAULT :'server');\n",
    'pgv.config.yaml': `${serversYaml()}parts:\n  tenant:\n    recipe: schema\n    schema: schema\n    variables:\n      server: \${each:server}\n    for_each:\n${source}${extra}`,
  });
  return dir;
}

function queryFor(prefix: string, server: 'a' | 'b'): string {
  return `select datname from pg_database where datname like '${prefix}\\_${server}\\_%' order by 1`;
}

test('for_each by query: one part per database and server, named TEMPLATE/SERVER/DBNAME; validate and plan show it; apply fills ${each:server}', async () => {
  const { prefix, a, b } = await fleetDatabases(2);
  // One query for both servers: on the same cluster it must not find a database twice per server.
  const dir = fleetProject(`      servers: [a, b]\n      query: "select datname from pg_database where datname like '${prefix}\\\\_a\\\\_%' order by 1"\n`);
  try {
    const validate = await runPgv(['validate', '--json'], { cwd: dir });
    assert.is(validate.code, 0, validate.stderr);
    const doc = jsonOf(validate);
    assert.equal(doc.fleet, [{ template: 'tenant', servers: [{ server: 'a', databases: a }, { server: 'b', databases: a }] }]);
    assert.equal(doc.parts.map((p: { name: string }) => p.name), [...a.map((d) => `tenant/a/${d}`), ...a.map((d) => `tenant/b/${d}`)]);
    assert.equal(doc.parts[0].template, 'tenant');
    assert.equal(doc.parts[0].server, 'a');
    assert.equal(doc.parts[0].dbname, a[0]);
    assert.equal(doc.parts[0].connection.application_name, 'pgv-a');
    assert.equal(doc.parts[2].connection.application_name, 'pgv-b');
    const text = await runPgv(['validate'], { cwd: dir });
    assert.match(text.stdout, 'fleet part tenant: 4 databases on 2 servers');
    assert.match(text.stdout, `  a: 2 → ${a[0]}, ${a[1]}`);

    const plan = await runPgv(['plan'], { cwd: dir });
    assert.is(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, 'fleet part tenant: 4 databases on 2 servers');
    assert.match(plan.stdout, `tenant/b/${a[1]}`);
    const planJson = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(planJson.fleet[0].servers[1], { server: 'b', databases: a });

    // Only server a's expansions: a glob on part names.
    const apply = await runPgv(['apply', 'tenant/a/*'], { cwd: dir });
    assert.is(apply.code, 0, apply.stderr);
    for (const d of a) assert.equal(await withDb(d, async (db) => (await db.query("SELECT column_default FROM information_schema.columns WHERE table_name = 't' AND column_name = 'server'")).rows[0]?.column_default), "'a'::text");
    assert.equal(await tablesOf(b[0]!), []);
    // The template's name: all its expansions (server b's are the same databases, already done).
    const again = jsonOf(await runPgv(['plan', 'tenant', '--json'], { cwd: dir }));
    assert.equal(again.parts.map((p: { steps: unknown[] }) => p.steps.length), [0, 0, 0, 0]);
  } finally {
    for (const d of [...a, ...b]) await dropDatabase(d);
  }
});

test('for_each by list and by file; `after:` naming a template waits for all its expansions; ${each:dbname} in dbname', async () => {
  const { a, b } = await fleetDatabases(2);
  const dir = makeProject('fleet');
  writeFiles(dir, {
    'schema/update1.sql': 'CREATE TABLE t (id int);\n',
    'names.txt': `# tenants of b\n${b.join('\n')}\n\n`,
    'pgv.config.yaml':
      `${serversYaml()}parts:\n` +
      `  listed:\n    recipe: schema\n    schema: schema\n    dbname: \${each:dbname}\n    for_each:\n      servers: [a]\n      list: [${a.join(', ')}]\n` +
      `  filed:\n    recipe: schema\n    schema: schema\n    after: listed\n    for_each:\n      servers: [b]\n      file: names.txt\n`,
  });
  try {
    const doc = jsonOf(await runPgv(['validate', '--json'], { cwd: dir }));
    assert.equal(doc.parts.map((p: { name: string }) => p.name), [`listed/a/${a[0]}`, `listed/a/${a[1]}`, `filed/b/${b[0]}`, `filed/b/${b[1]}`]);
    assert.equal(doc.parts[2].after, [`listed/a/${a[0]}`, `listed/a/${a[1]}`]);
    const run = await runPgv(['apply', '--json-lines'], { cwd: dir });
    assert.is(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const order = events.filter((e) => e.type === 'part-started' || e.type === 'part-finished').map((e) => `${e.type === 'part-started' ? '+' : '-'}${e.part.split('/')[0]}`);
    // Every listed part finished before the first filed one started.
    assert.ok(order.lastIndexOf('-listed') < order.indexOf('+filed'), order.join(' '));
    for (const d of [...a, ...b]) assert.equal(await tablesOf(d), ['pgv.upgrades', 'public.t']);
  } finally {
    for (const d of [...a, ...b]) await dropDatabase(d);
  }
});

test('for_each without servers: the databases are on the config\'s own connection, server `default`', async () => {
  const { a, b } = await fleetDatabases(2);
  const dir = makeProject('fleet');
  const connection = `connection:\n  host: ${JSON.stringify(cluster.socketDir)}\n  port: ${cluster.port}\n  user: postgres\n`;
  writeFiles(dir, {
    'schema/update1.sql': "CREATE TABLE t (id int, server text DEFAULT :'server');\n",
    'pgv.config.yaml': `${connection}parts:\n  tenant:\n    recipe: schema\n    schema: schema\n    variables:\n      server: \${each:server}\n    for_each:\n      list: [${a.join(', ')}]\n`,
  });
  try {
    const validate = await runPgv(['validate', '--json'], { cwd: dir });
    assert.is(validate.code, 0, validate.stderr);
    assert.equal(jsonOf(validate).parts.map((p: { name: string }) => p.name), a.map((d) => `tenant/default/${d}`));
    const applied = await runPgv(['apply'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    for (const d of a) {
      await withDb(d, async (db) => {
        await db.query('INSERT INTO t (id) VALUES (1)');
        assert.equal((await db.query('SELECT server FROM t')).rows, [{ server: 'default' }]);
      });
    }
  } finally {
    for (const d of [...a, ...b]) await dropDatabase(d);
  }
});

test('bad input is an error before anything runs, naming the file and line: a failing query, none found, a database twice', async () => {
  const db = await createDatabase('fleet_bad');
  const cases: Array<[string, RegExp]> = [
    ['      servers: [a]\n      query: "select datname from no_such_table"\n', /pgv\.config\.yaml:18: part tenant, server a: for_each query failed: relation "no_such_table" does not exist/],
    ['      servers: [a]\n      query: "select datname from pg_database where false"\n', /pgv\.config\.yaml:18: part tenant, server a: for_each query found no database/],
    [`      servers: [a]\n      query: "select '${db}' union all select '${db}'"\n`, new RegExp(`pgv\\.config\\.yaml:18: part tenant, server a: for_each query names database "${db}" twice`)],
    [`      servers: [a]\n      list: [${db}, ${db}]\n`, new RegExp(`pgv\\.config\\.yaml:20: /parts/tenant/for_each/list: names database "${db}" twice`)],
    [`      servers: [a, c]\n      list: [${db}]\n`, /pgv\.config\.yaml:\d+: \/parts\/tenant\/for_each\/servers\/1: names server "c", which is not in `servers:`/],
    ['      servers: [a]\n      file: nowhere.txt\n', /\/parts\/tenant\/for_each\/file: file nowhere.txt cannot be read/],
  ];
  try {
    for (const [source, expected] of cases) {
      const dir = fleetProject(source);
      const run = await runPgv(['apply'], { cwd: dir });
      assert.is(run.code, 2, `${source}\n${run.stderr}`);
      assert.match(run.stderr, expected, run.stderr);
      assert.equal(await tablesOf(db), []);
    }
  } finally {
    await dropDatabase(db);
  }
});

test('${each:dbname} outside a for_each part is a config error naming the file and line', async () => {
  const dir = makeProject('fleet');
  writeFiles(dir, { 'schema/update1.sql': '', 'pgv.config.yaml': 'parts:\n  app:\n    recipe: schema\n    schema: schema\n    dbname: ${each:dbname}\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `${path.join(dir, 'pgv.config.yaml')}:5: /parts/app/dbname: "\${each:dbname}" works only inside a part with for_each`);
  const typo = await runPgv(['validate'], { cwd: fleetProject('      servers: [a]\n      list: [x]\n', '    connection:\n      application_name: ${each:db}\n') });
  assert.is(typo.code, 2);
  assert.match(typo.stderr, '"${each:db}" is not a substitution');
});

test('a name that matches no part, and a one-part command given a template, are usage errors', async () => {
  const { a, b } = await fleetDatabases(1);
  const dir = fleetProject(`      servers: [a, b]\n      list: [${a[0]}]\n`);
  try {
    const none = await runPgv(['plan', 'tenant/c/*'], { cwd: dir });
    assert.is(none.code, 2);
    assert.match(none.stderr, 'no part named "tenant/c/*"');
    const many = await runPgv(['info', 'tenant'], { cwd: dir });
    assert.is(many.code, 0, many.stderr);
    const one = await runPgv(['check', 'tenant'], { cwd: dir });
    assert.is(one.code, 2);
    assert.match(one.stderr, '"tenant" names 2 parts');
  } finally {
    for (const d of [...a, ...b]) await dropDatabase(d);
  }
});

test('--shard i/n: the shards together hold every part exactly once, the same split every time', async () => {
  const { prefix, a, b } = await fleetDatabases(4);
  // One server: on the one test cluster, a second would name the same databases again.
  const dir = fleetProject(`      servers: [a]\n      query: "select datname from pg_database where datname like '${prefix}\\\\_%' order by 1"\n`);
  try {
    const all = jsonOf(await runPgv(['plan', '--json'], { cwd: dir })).parts.map((p: { name: string }) => p.name).sort();
    assert.is(all.length, 8);
    const shards: string[][] = [];
    for (const i of [1, 2, 3]) {
      const run = await runPgv(['plan', '--json', '--shard', `${i}/3`], { cwd: dir });
      assert.is(run.code, 0, run.stderr);
      shards.push(jsonOf(run).parts.map((p: { name: string }) => p.name));
    }
    assert.equal(shards.flat().sort(), all);
    // Each part is where the documented rule puts it: 1 + first 32 bits of sha256(SERVER/DBNAME) mod n.
    const ruled = (name: string) => 1 + (createHash('sha256').update(name.split('/').slice(1).join('/')).digest().readUInt32BE(0) % 3);
    shards.forEach((names, i) => names.forEach((name) => assert.is(ruled(name), i + 1, name)));
    const again = jsonOf(await runPgv(['plan', '--json', '--shard', '2/3'], { cwd: dir })).parts.map((p: { name: string }) => p.name);
    assert.equal(again, shards[1]);
    // apply runs its shard only.
    const applied = await runPgv(['apply', '--shard', '1/3'], { cwd: dir });
    assert.is(applied.code, 0, applied.stderr);
    const left = jsonOf(await runPgv(['plan', '--json'], { cwd: dir })).parts.filter((p: { steps: unknown[] }) => p.steps.length > 0).map((p: { name: string }) => p.name).sort();
    assert.equal(left, [...shards[1]!, ...shards[2]!].sort());
    const bad = await runPgv(['plan', '--shard', '4/3'], { cwd: dir });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '--shard must be i/n with 1 <= i <= n');
  } finally {
    for (const d of [...a, ...b]) await dropDatabase(d);
  }
});

test.run();
