/**
 * Every command's --help: lines within 100 columns, an example and exit codes, and the examples
 * run as printed (parsed out of --help, run by the real binary against the test cluster). Also:
 * help loads no engine (pg), and migrants' spellings lead to pgv's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { commandNames, loadCommandSpecs } from '../../lib/commands/registry.js';
import { globalOptions } from '../../lib/cli.js';
import { cliPath, copyFixture, makeProject, repoRoot, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName } from '../helpers/db.js';
import { dropFamily } from '../helpers/snapshot.js';
import { spawn } from 'node:child_process';

const commandSpecs = await loadCommandSpecs();
const names = commandSpecs.map((c) => c.name);

/** The examples printed by `pgv NAME --help`, as argument lists. */
function examplesOf(help: string): string[][] {
  const section = help.split(/\nExamples?:\n/)[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('  pgv '))
    .map((l) => shellWords(l.slice('  pgv '.length).split(/ {2,}/)[0]!));
}

/** Split a command line the way sh does for plain words and '…' / "…" quotes. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

test('each command word of the registry loads the spec of that name, in --help\'s order', () => {
  assert.equal(names, [...commandNames]);
});

test('every help line fits 100 columns; each command has an example and exit codes', async () => {
  const main = await runPgv(['--help']);
  assert.is(main.code, 0);
  const texts = [main.stdout];
  for (const name of names) {
    const run = await runPgv([name, '--help']);
    assert.is(run.code, 0, name);
    assert.match(run.stdout, `Usage: pgv ${name}`);
    assert.ok(examplesOf(run.stdout).length > 0, `${name} --help has no example`);
    assert.match(run.stdout, /\nExit codes:\n {2}0 +\S/, `${name} --help lists no exit codes`);
    texts.push(run.stdout);
  }
  for (const line of texts.join('\n').split('\n')) assert.ok(line.length <= 100, `longer than 100 columns (${line.length}): ${line}`);
});

test('each help example parses with its command\'s own options', async () => {
  for (const spec of commandSpecs) {
    const help = (await runPgv([spec.name, '--help'])).stdout;
    for (const args of examplesOf(help)) {
      assert.is(args[0], spec.name, args.join(' '));
      // Throws on an option the command does not take.
      parseArgs({ args: args.slice(1), options: { ...globalOptions, ...spec.options }, allowPositionals: true, strict: true });
    }
  }
});

test('every command\'s help examples run as printed, against the real server', async () => {
  const dir = makeProject('examples');
  copyFixture('schema/shop', dir, 'schema');
  const db = uniqueName('examples');
  // The examples name part `app`, files app.dump and the database app_copy.
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  const embedded = makeProject('examples-embedded');
  copyFixture('schema/shop', embedded, 'db');
  writeFiles(embedded, { 'pgv.config.yaml': `server:\n  mode: embedded\n  dir: ${JSON.stringify(path.join(embedded, '.pgv'))}\nparts:\n  app:\n    recipe: schema\n    dbname: app_dev\n    schema: db\n` });
  const order = ['validate', 'plan', 'apply', 'lint', 'info', 'check', 'baseline', 'dump', 'restore', 'test-and-upgrade', 'trace', 'snapshot', 'server'];
  assert.equal([...order].sort(), [...names].sort(), 'a command without a place in this test');
  try {
    for (const name of order) {
      const help = (await runPgv([name, '--help'])).stdout;
      // `server status` exits 3 while the cluster is not running (as its help says): start it first.
      if (name === 'server') assert.is((await runPgv(['server', 'start'], { cwd: embedded })).code, 0, 'server start');
      for (const args of examplesOf(help)) {
        const run = await runPgv(args, { cwd: name === 'server' ? embedded : dir });
        assert.is(run.code, 0, `pgv ${args.join(' ')} exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
        if (args[0] === 'server' && args[1] === 'url') assert.match(run.stdout, /^postgresql:\/\/.*app_dev/);
        if (args[0] === 'server' && args[1] === 'status') assert.match(run.stdout, /^embedded PostgreSQL: running/);
      }
    }
  } finally {
    await runPgv(['server', 'stop', '--remove'], { cwd: embedded });
    await dropFamily(db);
    await dropDatabase('app_copy');
  }
});

/** The output files of the bundled CLI that hold a module of `pkg` (esbuild's metafile, written by the build). */
function chunksHolding(pkg: string): string[] {
  const meta = JSON.parse(readFileSync(path.join(repoRoot, 'dist', 'bundle-meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return Object.entries(meta.outputs)
    .filter(([, o]) => Object.keys(o.inputs).some((i) => i.startsWith(`node_modules/${pkg}/`)))
    .map(([file]) => pathToFileURL(path.join(repoRoot, file)).href);
}

test('help and usage errors load no engine: pg is never imported', async () => {
  const hooks = path.join(makeProject('hooks'), 'no-pg.mjs');
  // pg is bundled: the hook refuses the chunks that hold it (and pg itself, should it be external).
  const pgChunks = chunksHolding('pg');
  assert.ok(pgChunks.length > 0, 'no chunk of the bundle holds pg');
  const refuse = `const pg = ${JSON.stringify(pgChunks)}; export async function resolve(s, c, next) { const r = await next(s, c); if (s === 'pg' || pg.includes(r.url)) throw new Error('pg was imported'); return r; }`;
  writeFileSync(hooks, `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(refuse)}));\n`);
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', hooks, cliPath, ...args], { env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
    });
  for (const name of [...names, '']) {
    const r = await run(name ? [name, '--help'] : ['--help']);
    assert.is(r.code, 0, `${name} --help: ${r.stderr}`);
  }
  assert.is((await run(['upgrade'])).code, 2);
  // The hook does work: a command that connects fails to load pg.
  const control = await run(['check', '--db1', 'a', '--db2', 'b']);
  assert.is(control.code, 70, control.stderr);
  assert.match(control.stderr, 'pg was imported');
});

test('pum\'s and odb\'s command words point at pgv\'s, with the same arguments', async () => {
  const up = await runPgv(['upgrade', 'app']);
  assert.is(up.code, 2);
  assert.match(up.stderr, 'unknown command "upgrade"');
  assert.match(up.stderr, "Did you mean `pgv apply app`? (pum's `upgrade` is pgv's `apply`.)");
  const init = await runPgv(['init', 'demo8']);
  assert.is(init.code, 2);
  assert.match(init.stderr, 'Did you mean `pgv snapshot init demo8`?');
});

test('pum\'s -i/-P on test-and-upgrade point at --ignore/--exclude-column', async () => {
  const run = await runPgv(['test-and-upgrade', 'app', '-i', 'views', '-P', 'usr_%']);
  assert.is(run.code, 2);
  assert.match(run.stderr, "pgv test-and-upgrade: -i, -P are pum's spelling");
  assert.match(run.stderr, 'Run `pgv test-and-upgrade app --ignore views --exclude-column usr_%`.');
});

test('pum\'s check -p1/-p2/-i/-P point at --db1/--db2/--ignore/--exclude-column', async () => {
  const run = await runPgv(['check', '-p1', 'prod', '-p2', 'test', '-i', 'views', 'triggers', '-P', 'usr_%']);
  assert.is(run.code, 2);
  assert.match(run.stderr, "pgv check: -p1, -p2, -i, -P are pum's spelling");
  assert.match(run.stderr, 'Run `pgv check --db1 prod --db2 test --ignore views,triggers --exclude-column usr_%`.');
  // The suggestion itself is a valid pgv check command line.
  const spec = commandSpecs.find((c) => c.name === 'check')!;
  parseArgs({ args: ['--db1', 'prod', '--db2', 'test', '--ignore', 'views,triggers', '--exclude-column', 'usr_%'], options: spec.options, strict: true });
});

test.run();
