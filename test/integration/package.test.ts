/**
 * The library as users get it: `npm pack`, the tarball installed into a throwaway project, its
 * API imported by name and run against the test server, its bin (the bundled CLI) run there, and a strict TypeScript project
 * (moduleResolution nodenext) type-checking a file that uses it, so the published types are real.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeProject, repoRoot, schemaConfig, writeFiles } from '../helpers/cli.js';
import { createDatabase, dropDatabase, tablesOf } from '../helpers/db.js';

const run = promisify(execFile);
const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 1 << 24 });

/** Pack the repository (dist is built by `npm test`; --ignore-scripts: no rebuild under running tests) and install it. */
async function installedProject(): Promise<string> {
  const dir = makeProject('consumer');
  await npm(['pack', '--ignore-scripts', '--pack-destination', dir], repoRoot);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Its dependencies come from npm's cache where it has them (npm ci filled it), else from the registry.
  await npm(['install', '--prefer-offline', '--ignore-scripts', `./${tarball}`], dir);
  return dir;
}

const usage = `
import { loadConfig, plan, apply, info, check, isPgvError, type Plan, type RunEvent, type Comparison } from 'pgv';

const config = await loadConfig({ cwd: process.cwd() });
const before: Plan = await plan(config);
const kinds: string[] = before.parts[0]!.steps.map((s) => s.kind);
const events: RunEvent['type'][] = [];
const result = await apply(config, { onEvent: (e) => events.push(e.type) });
const state = await info(config);
const db = config.parts[0]!.dbname;
const same: Comparison = await check({ db1: db, db2: db, config });
const after = await plan(config);
// Wrong uses must not type-check: the API is typed, not any.
// @ts-expect-error: a part's dbname is a string
const n: number = config.parts[0]!.dbname;
// @ts-expect-error: apply takes a config, not a file name
void apply('pgv.config.yaml');
// @ts-expect-error: no such event
const bogus: RunEvent['type'] = 'step-exploded';
void n; void bogus; void isPgvError;
console.log(JSON.stringify({ kinds, ok: result.ok, statuses: result.parts.map((p) => p.status), events, version: state.parts[0]!.version, identical: same.identical, differences: same.differences.length, after: after.parts[0]!.steps.length }));
`;

test('npm pack → install → import { loadConfig, plan, apply, info, check } from "pgv" runs against the server, and type-checks under strict nodenext', async () => {
  const db = await createDatabase('package');
  try {
    const dir = await installedProject();
    writeFiles(dir, {
      'pgv.config.yaml': schemaConfig(db, 'schema'),
      'schema/update1.sql': 'CREATE TABLE one (id int);\n',
      'schema/update2.sql': 'CREATE TABLE two (id int);\n',
      'use.ts': usage,
      // What the file compiles to, minus the types: run as a user would (type stripping needs Node 22).
      'use.mjs': usage.replace(', type Plan, type RunEvent, type Comparison', '').replace(/: (Plan|string\[\]|RunEvent\['type'\]\[\]|Comparison|number|RunEvent\['type'\])(?= =)/g, '').replace(/!\./g, '.').replace(/^.*@ts-expect-error.*\n.*\n/gm, '').replace(/void n; void bogus; /, ''),
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          noEmit: true,
          skipLibCheck: false,
          noUncheckedIndexedAccess: true,
          typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
          types: ['node', 'pg'],
        },
        files: ['use.ts'],
      }),
    });
    const out = await run(process.execPath, ['use.mjs'], { cwd: dir });
    const seen = JSON.parse(out.stdout.trim()) as Record<string, unknown>;
    assert.equal(seen.kinds, ['create-ledger', 'run-script', 'run-script']);
    assert.is(seen.ok, true);
    assert.equal(seen.statuses, ['applied']);
    assert.equal((seen.events as string[])[0], 'run-started');
    assert.equal((seen.events as string[]).at(-1), 'run-finished');
    assert.is((seen.events as string[]).filter((t) => t === 'step-finished').length, 3);
    assert.is(seen.version, '2');
    assert.is(seen.identical, true);
    assert.is(seen.differences, 0);
    assert.is(seen.after, 0, 'apply, then plan is empty');
    assert.equal(await tablesOf(db), ['pgv.upgrades', 'public.one', 'public.two']);
    // The bin users run (the bundled CLI and its chunks, installed): config search, validation
    // (the precompiled validator), a connection, and check's catalog queries read from the package.
    const bin = path.join(dir, 'node_modules', '.bin', 'pgv');
    assert.match((await run(bin, ['--version'], { cwd: dir })).stdout, /^pgv \d+\.\d+\.\d+/);
    const state = JSON.parse((await run(bin, ['info', '--json'], { cwd: dir })).stdout) as { parts: Array<{ version: string }> };
    assert.is(state.parts[0]!.version, '2');
    const compared = JSON.parse((await run(bin, ['check', '--db1', db, '--db2', db, '--json', '-c', 'pgv.config.yaml'], { cwd: dir })).stdout) as { identical: boolean };
    assert.is(compared.identical, true);
    // The types: the strict project type-checks (and its @ts-expect-error lines prove they are not any).
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const typed = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).catch((e: { stdout?: string; code?: number }) => e);
    assert.is((typed as { code?: number }).code ?? 0, 0, (typed as { stdout?: string }).stdout);
    // And a wrong use is caught: the same file without its @ts-expect-error markers fails.
    writeFileSync(path.join(dir, 'use.ts'), usage.replace(/^\/\/ @ts-expect-error.*$/gm, ''));
    const broken = await run(process.execPath, [tsc, '-p', dir], { cwd: dir }).catch((e: { stdout?: string; code?: number }) => e);
    assert.is.not((broken as { code?: number }).code ?? 0, 0);
    assert.match((broken as { stdout?: string }).stdout ?? '', "Type 'string' is not assignable to type 'number'");
  } finally {
    await dropDatabase(db);
  }
});

test.run();
