/** The command-line contract: help, version, usage errors, JSON shapes. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAgainst } from '../../lib/config/validate.js';
import { copyFixture, jsonOf, makeProject, repoRoot, runPgv, schemaConfig, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName } from '../helpers/db.js';

const documented = ['validate', 'plan', 'apply', 'info', 'baseline', 'check', 'dump', 'restore', 'test-and-upgrade', 'snapshot', 'server'];

test('--help lists every command of the contract and the exit codes', async () => {
  const run = await runPgv(['--help']);
  assert.is(run.code, 0);
  for (const c of documented) assert.match(run.stdout, new RegExp(`^  ${c}\\s`, 'm'));
  assert.match(run.stdout, '70 internal error');
  for (const c of documented) {
    const help = await runPgv([c, '--help']);
    assert.is(help.code, 0, c);
    assert.match(help.stdout, `Usage: pgv ${c}`);
  }
});

test('--version prints the package version', async () => {
  const version = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version;
  const run = await runPgv(['-V']);
  assert.is(run.code, 0);
  assert.is(run.stdout.trim(), `pgv ${version}`);
});

test('an unknown command or option says what exists, exit 2', async () => {
  const cmd = await runPgv(['aply']);
  assert.is(cmd.code, 2);
  assert.match(cmd.stderr, 'unknown command "aply"');
  assert.match(cmd.stderr, 'Did you mean `pgv apply`?');
  const opt = await runPgv(['apply', '--dryrun']);
  assert.is(opt.code, 2);
  assert.match(opt.stderr, 'unknown option --dryrun for pgv apply');
  assert.match(opt.stderr, 'Did you mean --dry-run?');
  const bad = await runPgv(['apply', '--concurrency', 'zero']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, '--concurrency must be a positive integer');
});

test('plan --json follows schemas/pgv.plan.schema.json, before and after apply', async () => {
  const db = uniqueName('planschema');
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig(db, 'schema', '    create: true\n') });
  try {
    const before = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.plan.schema.json', before), []);
    assert.is(before.parts[0].steps.length, 3);
    assert.is((await runPgv(['apply', '-q'], { cwd: dir })).code, 0);
    const after = jsonOf(await runPgv(['plan', '--json'], { cwd: dir }));
    assert.equal(validateAgainst('pgv.plan.schema.json', after), []);
    assert.equal(after.parts[0].steps, []);
  } finally {
    await dropDatabase(db);
  }
});

test('an unknown part name is a usage error with a suggestion', async () => {
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': schemaConfig('whatever', 'schema') });
  const run = await runPgv(['plan', 'ap'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'no part named "ap"');
  assert.match(run.stderr, 'Did you mean "app"?');
});

test('an unreachable server is exit 3 with the target and no password', async () => {
  const dir = makeProject();
  copyFixture('schema/shop', dir, 'schema');
  writeFiles(dir, { 'pgv.config.yaml': 'connection:\n  host: 127.0.0.1\n  port: 1\n  user: u\n  password: hunter2-secret\nparts:\n  app:\n    recipe: schema\n    dbname: x\n    schema: schema\n' });
  for (const args of [['plan'], ['plan', '--json']]) {
    const run = await runPgv(args, { cwd: dir });
    assert.is(run.code, 3);
    assert.match(run.stderr, 'cannot connect to u@127.0.0.1:1/x');
    assert.not.match(run.stdout + run.stderr, 'hunter2');
  }
});

test.run();
