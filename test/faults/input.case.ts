/**
 * Hostile input: a config fuzzer (random mutations of a valid config, and hand-made YAML and JSON
 * attacks: deep nesting, anchors and aliases, billion laughs, huge values, unicode, broken bytes)
 * that must end in exit 0 or 2 with a message, never a stack trace or a hang; identifiers with
 * quotes, semicolons, spaces, unicode and 63+ bytes; script files that are empty, binary, not
 * UTF-8 or huge; a symlinked schema directory and paths with spaces.
 */
import { mkdirSync, symlinkSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../lib/cli.js';
import { makeProject, runPgv, schemaConfig, writeFiles, type PgvRun } from '../helpers/cli.js';
import { dropDatabase, databaseExists, withDb } from '../helpers/db.js';
import { clusterEnv, bareDir, dropFamily } from '../helpers/snapshot.js';
import { outputProblems, seeded, type FaultCase, type Tally } from './harness.js';

const fuzzCount = Number(process.env.PGV_FAULTS_FUZZ ?? 1500);

/** Run `pgv ARGS` in-process (main() of lib/cli.ts), with a time limit. */
async function inProcess(args: string[], cwd: string, ms = 10000): Promise<PgvRun | 'hang'> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { append(String(chunk)); cb(); } });
  const io = { stdout: sink((s) => (stdout += s)) as unknown as NodeJS.WriteStream, stderr: sink((s) => (stderr += s)) as unknown as NodeJS.WriteStream, env: { ...process.env, NO_COLOR: '1' }, cwd };
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'hang'>((r) => (timer = setTimeout(() => r('hang'), ms)));
  const code = await Promise.race([main(args, io as never).catch((e) => { stderr += `\n    at (thrown out of main: ${e})`; return 70; }), limit]);
  clearTimeout(timer);
  if (code === 'hang') return 'hang';
  return { code, stdout, stderr };
}

/** A valid config as data: the mutations start from it. */
function baseConfig(): Record<string, unknown> {
  return {
    connection: { host: '/tmp', port: 5432, user: 'postgres' },
    parts: {
      app: { recipe: 'schema', dbname: 'app', schema: 'schema', upgrades_table: 'pgv.upgrades', create: true, ignore: ['grants'], exclude_schemas: ['audit'] },
      rep: { recipe: 'deltas', dbname: 'rep', deltas: 'deltas', after: ['app'], variables: { currency: 'EUR' } },
    },
  };
}

function deep(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

/** Values that break assumptions. */
function hostileValue(r: () => number): unknown {
  const pick = [
    () => null, () => true, () => 0, () => -1, () => 1e308, () => 2 ** 53 + 1, () => 65536, () => 3.5,
    () => '', () => ' ', () => 'x'.repeat(1 << 20), () => '💥\u0000\uFFFF\uD800', () => "a'b\"c;DROP TABLE x;--", () => 'é'.repeat(40),
    () => '${env:PGV_SURELY_UNSET}', () => '${app:nope}', () => '${', () => '${env:}', () => '${app:dbname}${rep:dbname}',
    () => [], () => [1, 'a', null], () => ({}), () => ({ __proto__: { polluted: true } }), () => JSON.parse('{"__proto__": {"x": 1}, "constructor": {"prototype": {}}}'),
    () => deep(2000), () => Array.from({ length: 10000 }, (_, i) => `k${i}`), () => Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`p${i}`, { recipe: 'schema', schema: 's', dbname: `d${i}` }])),
  ];
  return pick[Math.floor(r() * pick.length)]!();
}

/** Replace, add or delete one random node of `data`. */
function mutate(data: unknown, r: () => number): unknown {
  if (data === null || typeof data !== 'object') return hostileValue(r);
  const copy: Record<string, unknown> = Array.isArray(data) ? ([...data] as never) : { ...(data as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = r();
  if (roll < 0.15 || keys.length === 0) copy[['extends', 'server', 'parts', 'connection', 'recipe', 'dbname', 'schema', 'after', 'url', 'password', 'snapshot', 'port', 'zzz'][Math.floor(r() * 13)]!] = hostileValue(r);
  else if (roll < 0.25) delete copy[keys[Math.floor(r() * keys.length)]!];
  else {
    const k = keys[Math.floor(r() * keys.length)]!;
    copy[k] = r() < 0.3 ? hostileValue(r) : mutate(copy[k], r);
  }
  return copy;
}

/** Hand-made YAML and JSON attacks on the parser itself. */
function rawAttacks(): Record<string, string | Buffer> {
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 12; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  return {
    'billion-laughs.yaml': `${laughs.join('\n')}\nparts: *l\n`,
    'laughs-in-part.yaml': `${laughs.join('\n')}\nparts:\n  app:\n    recipe: schema\n    schema: s\n    dbname: d\n    ignore: *l\n`,
    'laughs-in-variables.yaml': `x: &x {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\ny: &y {a: *x, b: *x, c: *x, d: *x, e: *x, f: *x, g: *x, h: *x}\nz: &z {a: *y, b: *y, c: *y, d: *y, e: *y, f: *y, g: *y, h: *y}\nw: &w {a: *z, b: *z, c: *z, d: *z, e: *z, f: *z, g: *z, h: *z}\nv: &v {a: *w, b: *w, c: *w, d: *w, e: *w, f: *w, g: *w, h: *w}\nu: &u {a: *v, b: *v, c: *v, d: *v, e: *v, f: *v, g: *v, h: *v}\nparts:\n  app:\n    recipe: schema\n    schema: s\n    dbname: d\n    variables: *u\n`,
    'merge-keys.yaml': 'base: &b {recipe: schema, schema: s}\nparts:\n  app:\n    <<: *b\n    dbname: d\n',
    'recursive-alias.yaml': 'parts: &p\n  app: *p\n',
    'deep-flow.yaml': `parts: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    'deep-block.yaml': `parts:\n${Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
    'deep.json': `{"parts": ${'['.repeat(100000)}${']'.repeat(100000)}}`,
    'js-function-tag.yaml': 'parts: !!js/function "function () { return 1 }"\n',
    'unknown-tag.yaml': 'parts: !whatever {a: 1}\n',
    'binary-tag.yaml': 'parts: !!binary aGVsbG8=\n',
    'duplicate-keys.yaml': 'parts: {}\nparts: {}\n',
    'tabs.yaml': 'parts:\n\tapp: 1\n',
    'bom.yaml': '\uFEFFparts:\n  app:\n    recipe: schema\n    schema: s\n    dbname: d\n',
    'nul.yaml': 'parts:\u0000\n',
    'not-utf8.yaml': Buffer.from([0x70, 0x61, 0x72, 0x74, 0x73, 0x3a, 0x20, 0xff, 0xfe, 0xc3, 0x28, 0x0a]),
    'only-comments.yaml': '# nothing\n',
    'scalar.yaml': '42\n',
    'list.yaml': '- 1\n- 2\n',
    'huge.yaml': `parts:\n  app:\n    recipe: schema\n    schema: s\n    dbname: "${'d'.repeat(5 << 20)}"\n`,
    'many-parts.yaml': `parts:\n${Array.from({ length: 20000 }, (_, i) => `  p${i}: {recipe: schema, schema: s, dbname: d${i}}`).join('\n')}\n`,
    'after-cycle.yaml': 'parts:\n  a: {recipe: schema, schema: s, dbname: a, after: [b]}\n  b: {recipe: schema, schema: s, dbname: b, after: [a]}\n',
    'self-substitution.yaml': 'parts:\n  a: {recipe: schema, schema: s, dbname: "${a:dbname}"}\n',
    'mutual-substitution.yaml': 'parts:\n  a: {recipe: schema, schema: s, dbname: "${b:dbname}"}\n  b: {recipe: schema, schema: s, dbname: "${a:dbname}"}\n',
    'extends-self.yaml': 'extends: extends-self.yaml\nparts: {}\n',
    'extends-missing.yaml': 'extends: nowhere.yaml\nparts: {}\n',
    'extends-dir.yaml': 'extends: .\nparts: {}\n',
    'extends-dev-zero.yaml': 'extends: /dev/zero\nparts: {}\n',
    'trailing-garbage.json': '{"parts": {}} }',
    'proto.json': '{"__proto__": {"parts": {}}, "parts": {"constructor": {"recipe": "schema", "schema": "s", "dbname": "d"}}}',
  };
}

const configFuzzer: FaultCase = {
  name: 'config fuzzer (validate)',
  async run(tally: Tally) {
    const r = seeded(12);
    const dir = makeProject('fuzz');
    const check = async (label: string, file: string, binary = false) => {
      tally.fuzzInputs++;
      const t0 = Date.now();
      const run = binary ? await runPgv(['validate', '-c', file], { cwd: dir }) : await inProcess(['validate', '-c', file], dir);
      if (run === 'hang') return tally.check(label, ['no answer within 10 s (a hang)']);
      const problems = outputProblems(run, [0, 2]);
      if (run.code === 2 && !/error/.test(run.stderr)) problems.push(`exit 2 without an error message:\n${run.stderr.slice(0, 500)}`);
      if (process.env.PGV_FAULTS_DEBUG && Date.now() - t0 > 300) console.error(`${label}: ${Date.now() - t0} ms`);
      tally.check(label, problems);
    };
    for (const [name, content] of Object.entries(rawAttacks())) {
      writeFileSync(path.join(dir, name), content);
      await check(name, name);
    }
    for (let i = 0; i < fuzzCount; i++) {
      let data: unknown = baseConfig();
      const rounds = 1 + Math.floor(r() * 4);
      for (let k = 0; k < rounds; k++) data = mutate(data, r);
      const asJson = r() < 0.3;
      const file = `mutant-${i}.${asJson ? 'json' : 'yaml'}`;
      // JSON text is YAML too: the .yaml files go through the YAML parser.
      const text = JSON.stringify(data) ?? 'null';
      writeFileSync(path.join(dir, file), text);
      await check(`mutant ${i} (${file})`, file, i % 100 === 0);
    }
    // A few of the attacks through the real binary as well.
    for (const name of ['billion-laughs.yaml', 'laughs-in-variables.yaml', 'deep.json', 'not-utf8.yaml', 'extends-self.yaml']) await check(`${name} (binary)`, name, true);
  },
};


/** Names that need quoting, or that PostgreSQL would cut at 63 bytes. */
const hostileNames = ['a"b', 'x;DROP DATABASE postgres;--', 'with space', "it's", 'ünïcødé_数据库', 'é'.repeat(40), 'a'.repeat(70), '🐘'.repeat(15), 'Mixed$Case'];

const identifiers: FaultCase = {
  name: 'hostile identifiers',
  async run(tally: Tally) {
    for (const [i, name] of hostileNames.entries()) {
      const db = Buffer.byteLength(name) > 63 ? name : `${name}_${process.pid}_${i}`;
      const long = Buffer.byteLength(db) > 63;
      const dir = makeProject('ident');
      const table = `"${name.replace(/"/g, '""')}"."${name.replace(/"/g, '""')}"`;
      writeFiles(dir, {
        'schema/update1.sql': 'CREATE TABLE t (id int);\n',
        'schema/update2.sql': 'ALTER TABLE t ADD COLUMN v text;\n',
        'pgv.config.yaml': schemaConfig(db, 'schema', `    create: true\n    upgrades_table: ${JSON.stringify(table)}\n    exclude_schemas: [${JSON.stringify(name)}]\n`),
      });
      const run = await runPgv(['apply'], { cwd: dir });
      const problems = outputProblems(run, long ? [2] : [0]);
      if (long && run.code !== 0 && !/63/.test(run.stderr)) problems.push(`a name over 63 bytes refused without saying why:\n${run.stderr}`);
      if (!long && run.code === 0) {
        if (!(await databaseExists(db))) problems.push(`database ${JSON.stringify(db)} was not created under its name`);
        else {
          const rows = await withDb(db, async (c) => (await c.query(`SELECT script FROM ${table} ORDER BY id`)).rows.map((r) => r.script));
          if (rows.join() !== 'update1.sql,update2.sql') problems.push(`the ledger ${table} holds ${rows.join()}`);
          const again = await runPgv(['plan'], { cwd: dir });
          if (!/up to date/.test(again.stdout)) problems.push(`plan after apply is not empty:\n${again.stdout}`);
        }
      }
      tally.check(`apply with ${JSON.stringify(name)}`, problems);
      if (!long && run.code === 0) {
        // Snapshots of a working database with that name, and a tag with it.
        const snap = (args: string[]) => runPgv(['snapshot', ...args, '--db', db], { cwd: bareDir(), env: clusterEnv });
        const steps: [string, PgvRun][] = [];
        for (const args of [['init'], ['commit'], ['tag', name.slice(0, 20)], ['revert', '0'], ['info'], ['log']]) steps.push([args.join(' '), await snap(args)]);
        // Tags are restricted to letters, digits, . _ - / by design: exit 2 with a message.
        const snapProblems = steps.flatMap(([what, r]) => outputProblems(r, what.startsWith('tag') ? [0, 2] : [0]).map((p) => `snapshot ${what}: ${p}`));
        if (!(await databaseExists(db))) snapProblems.push('the working database is gone');
        tally.check(`snapshots of ${JSON.stringify(name)}`, snapProblems);
        writeFiles(dir, { 'schema/update3.sql': 'CREATE INDEX ON t (v);\n' });
        const tau = await runPgv(['test-and-upgrade', 'app'], { cwd: dir });
        tally.check(`test-and-upgrade of ${JSON.stringify(name)}`, outputProblems(tau, [0]));
      }
      await dropFamily(db);
    }
  },
};


const scriptFiles: FaultCase = {
  name: 'hostile script files and paths',
  async run(tally: Tally) {
    const cases: { label: string; content: Buffer | string; allowed: number[]; message?: RegExp }[] = [
      { label: 'an empty script', content: '', allowed: [0] },
      { label: 'only comments', content: '-- nothing here\n/* nor here */\n', allowed: [0] },
      { label: 'binary bytes', content: Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0x00, 0x43]), allowed: [2], message: /update2\.sql/ },
      { label: 'Latin-1, not UTF-8', content: Buffer.from('CREATE TABLE caf\xe9 (id int);\n', 'latin1'), allowed: [2], message: /update2\.sql/ },
      { label: 'a UTF-8 BOM', content: '\uFEFFCREATE TABLE bom (id int);\n', allowed: [0] },
      { label: 'a NUL byte inside', content: 'CREATE TABLE n (id int);\u0000\n', allowed: [2], message: /update2\.sql/ },
    ];
    for (const c of cases) {
      const db = `script_${process.pid}_${tally.runs}`;
      const dir = makeProject('scripts');
      writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE t (id int);\n', 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
      writeFileSync(path.join(dir, 'schema/update2.sql'), c.content);
      const run = await runPgv(['apply'], { cwd: dir });
      const problems = outputProblems(run, c.allowed);
      if (run.code !== 0 && c.message && !c.message.test(run.stderr)) problems.push(`the error does not name the file:\n${run.stderr}`);
      tally.check(c.label, problems);
      await dropDatabase(db);
    }
    // A 100 MB script (generated here, never committed): one INSERT of a huge literal, padded with comments.
    {
      const db = `script_huge_${process.pid}`;
      const dir = makeProject('huge');
      writeFiles(dir, { 'schema/update1.sql': 'CREATE TABLE t (v text);\n', 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
      const fd = openSync(path.join(dir, 'schema/update2.sql'), 'w');
      const line = `-- ${'x'.repeat(1020)}\n`.repeat(1024); // 1 MB of comment lines
      for (let i = 0; i < 99; i++) writeSync(fd, line);
      writeSync(fd, `INSERT INTO t VALUES ('${'y'.repeat(1 << 20)}');\n`);
      closeSync(fd);
      const t0 = Date.now();
      const run = await runPgv(['apply'], { cwd: dir });
      const problems = outputProblems(run, [0, 3]);
      if (run.code === 0) {
        const n = await withDb(db, async (c) => (await c.query<{ n: number }>('SELECT length(v) AS n FROM t')).rows[0]?.n);
        if (n !== 1 << 20) problems.push(`the huge script's row has length ${n}`);
      }
      if (process.env.PGV_FAULTS_DEBUG) console.error(`100 MB script: exit ${run.code} in ${Date.now() - t0} ms`);
      tally.check('a 100 MB script', problems);
      await dropDatabase(db);
    }
    // A symlinked schema directory, in a project whose path has spaces.
    {
      const db = `script_link_${process.pid}`;
      const dir = path.join(makeProject('spaces'), 'my project dir');
      mkdirSync(path.join(dir, 'real schema'), { recursive: true });
      writeFiles(dir, { 'real schema/update1.sql': 'CREATE TABLE t (id int);\n' });
      symlinkSync(path.join(dir, 'real schema'), path.join(dir, 'linked schema'));
      writeFiles(dir, { 'config dir/pgv.config.yaml': schemaConfig(db, '../linked schema', '    create: true\n') });
      const run = await runPgv(['apply', '-c', path.join(dir, 'config dir/pgv.config.yaml')], { cwd: dir });
      const problems = outputProblems(run, [0]);
      if (run.code === 0 && !(await databaseExists(db))) problems.push('the database was not created');
      tally.check('a symlinked schema directory under a path with spaces', problems);
      await dropDatabase(db);
    }
  },
};

export const cases: FaultCase[] = [configFuzzer, identifiers, scriptFiles];
