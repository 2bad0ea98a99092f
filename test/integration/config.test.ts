/** `pgv validate` and config loading, through the real binary. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import path from 'node:path';
import { fixtures, jsonOf, makeProject, runPgv, writeFiles } from '../helpers/cli.js';

const envProject = path.join(fixtures, 'projects', 'environments');

test('two independent mistakes are both reported with their lines and paths, exit 2, no stack trace', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.yaml': 'parts:\n  app:\n    recipe: schema\n    dbnmae: x\n    schema: db\n    create: yes-please\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `${path.join(dir, 'pgv.config.yaml')}:4: /parts/app/dbnmae: unknown key "dbnmae"; did you mean "dbname"?`);
  assert.match(run.stderr, 'pgv.config.yaml:6: /parts/app/create: must be boolean, not "yes-please"');
  assert.not.match(run.stderr, /\n\s+at /);
  assert.is(run.stdout, '');
});

test('one run lists every problem in line order: schema, references and missing directories together', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': 'parts:\n  b:\n    recipe: schema\n    dbname: y\n    schema: nodir\n    after: ap\n  app:\n    recipe: schema\n    dbname: x\n    schema: db\n    creat: true\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  const lines = run.stderr.split('\n').filter((l) => /pgv\.config\.yaml:\d+:/.test(l));
  assert.equal(lines.map((l) => /pgv\.config\.yaml:(\d+): ([^:]+)/.exec(l)!.slice(1).join(' ')), ['5 /parts/b/schema', '6 /parts/b/after', '10 /parts/app/schema', '11 /parts/app/creat']);
});

test('an extends that names a missing file: the line of the extends, and where it resolved', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'base.yaml': 'parts: {}\n', 'pgv.config.yaml': 'extends:\n  - base.yaml\n  - nope.yaml\nparts: {}\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `${path.join(dir, 'pgv.config.yaml')}:3: extends nope.yaml: no such file (resolved to ${path.join(dir, 'nope.yaml')})`);
});

test('malformed YAML names the file and the line', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'broken.yaml': 'parts:\n  app:\n    recipe: [schema\n    dbname: x\n' });
  const run = await runPgv(['validate', '-c', 'broken.yaml'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `${path.join(dir, 'broken.yaml')}:4:5:`);
  assert.match(run.stderr, '3 |     recipe: [schema');
});

test('an unset ${env:X} names X; a default ${env:X:-v} is used', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.yaml': 'parts:\n  app:\n    recipe: schema\n    dbname: ${env:PGV_TEST_UNSET_DBNAME}\n    schema: db\n' });
  const run = await runPgv(['validate'], { cwd: dir, env: { PGV_TEST_UNSET_DBNAME: undefined } });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'environment variable PGV_TEST_UNSET_DBNAME is not set');
  writeFiles(dir, { 'pgv.config.yaml': 'parts:\n  app:\n    recipe: schema\n    dbname: ${env:PGV_TEST_UNSET_DBNAME:-fallback}\n    schema: db\n' });
  const ok = jsonOf(await runPgv(['validate', '--json'], { cwd: dir, env: { PGV_TEST_UNSET_DBNAME: undefined } }));
  assert.is(ok.parts[0].dbname, 'fallback');
});

test('a substitution cycle is an error that names it', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'db/init.sql': '', 'pgv.config.yaml': 'parts:\n  a:\n    recipe: schema\n    dbname: ${b:dbname}\n    schema: db\n  b:\n    recipe: schema\n    dbname: ${a:dbname}\n    schema: db\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, /substitution cycle: \$\{([ab]):dbname\} -> \$\{(?!\1)[ab]:dbname\} -> \$\{\1:dbname\}/);
  assert.is(run.stderr.split('substitution cycle').length - 1, 1, 'one cycle, reported once');
});

test('a missing schema directory is a config error naming the part and the path', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'pgv.config.yaml': 'parts:\n  app:\n    recipe: schema\n    dbname: x\n    schema: nowhere\n' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, `/parts/app/schema: directory nowhere does not exist (resolved to ${path.join(dir, 'nowhere')})`);
});

test('per-environment configs: prod extends base, substitutions resolve, the password is masked', async () => {
  const secret = 'pr0d-S3cret!';
  const run = await runPgv(['validate', '-c', 'pgv.prod.yaml'], { cwd: envProject, env: { PROD_DB_PASSWORD: secret, PROD_DB_HOST: undefined } });
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, 'pgv.prod.yaml: valid');
  assert.match(run.stdout, 'extends: pgv.base.yaml');
  assert.match(run.stdout, 'dbname: app_prod_reporting');
  assert.match(run.stdout, 'connection: host=db.internal port=5432 user=app_owner password=*** sslmode=require\n');
  assert.not.match(run.stdout + run.stderr, secret);
  const doc = jsonOf(await runPgv(['validate', '--json', '-c', 'pgv.prod.yaml'], { cwd: envProject, env: { PROD_DB_PASSWORD: secret } }));
  assert.equal(doc.parts.map((p: { name: string; dbname: string }) => `${p.name}=${p.dbname}`), ['app=app_prod', 'reporting=app_prod_reporting']);
  assert.is(doc.parts[0].connection.host, 'db.internal');
  assert.is(doc.parts[0].directory, path.join(envProject, 'db', 'app'));
  assert.not.match(JSON.stringify(doc), secret);

  const dev = jsonOf(await runPgv(['validate', '--json', '-c', 'pgv.dev.yaml'], { cwd: envProject }));
  assert.is(dev.server.mode, 'embedded');
  assert.equal(dev.parts.map((p: { dbname: string; create: boolean }) => `${p.dbname}:${p.create}`), ['app_dev:true', 'app_dev_reporting:true']);
});

test('cosmiconfig finds .pgvrc.json and the "pgv" key of package.json from a subdirectory', async () => {
  const dir = makeProject();
  writeFiles(dir, {
    'db/init.sql': '',
    'package.json': JSON.stringify({ name: 'x', pgv: { parts: { app: { recipe: 'schema', dbname: 'from_package', schema: 'db' } } } }),
    'src/deep/.keep': '',
  });
  const fromPackage = jsonOf(await runPgv(['validate', '--json'], { cwd: path.join(dir, 'src', 'deep') }));
  assert.is(fromPackage.parts[0].dbname, 'from_package');
  const other = makeProject();
  writeFiles(other, { 'db/init.sql': '', '.pgvrc.json': JSON.stringify({ parts: { app: { recipe: 'schema', dbname: 'from_rc', schema: 'db' } } }) });
  assert.is(jsonOf(await runPgv(['validate', '--json'], { cwd: other })).parts[0].dbname, 'from_rc');
});

test('no config anywhere: exit 2 with what to do', async () => {
  const dir = makeProject();
  writeFiles(dir, { 'package.json': '{"name":"empty"}' });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'no pgv config found');
  assert.match(run.stderr, 'pass -c FILE');
});

test('YAML alias bombs are refused quickly instead of expanding', async () => {
  const dir = makeProject();
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}, *a${i - 1}]`);
  writeFiles(dir, { 'pgv.config.yaml': `${lines.join('\n')}\nparts: {}\n` });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2);
  assert.match(run.stderr, 'the config is too large');
});

test('a dbname over 63 bytes (PostgreSQL would cut it) is an error at its path, exit 2', async () => {
  const dir = makeProject();
  const name = '🐘'.repeat(15) + '_tail';
  writeFiles(dir, { 'db/update1.sql': '', 'pgv.config.yaml': `parts:\n  app:\n    recipe: schema\n    dbname: "${name}"\n    schema: db\n` });
  const run = await runPgv(['validate'], { cwd: dir });
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, `/parts/app/dbname: "${name}" is longer than PostgreSQL's 63-byte identifier limit`);
});

test('a config holding a literal password that others can read draws one warning naming the file and the fix; mode 600 or ${env:…} none', async () => {
  const { chmodSync } = await import('node:fs');
  const dir = makeProject();
  const file = path.join(dir, 'pgv.config.yaml');
  const body = 'parts:\n  app:\n    recipe: schema\n    dbname: d\n    schema: db\n';
  writeFiles(dir, { 'db/update1.sql': '', 'pgv.config.yaml': `connection:\n  password: hunter2-literal\n${body}` });
  chmodSync(file, 0o644);
  let run = await runPgv(['validate', '--json'], { cwd: dir });
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stderr.split(`pgv: warning: ${file} holds a password and other users can read it (mode 644): run \`chmod 600 ${file}\`, or write \${env:PGPASSWORD} instead of the password (or use ~/.pgpass)`).length, 2, run.stderr);
  assert.not.match(run.stdout + run.stderr, 'hunter2-literal');
  chmodSync(file, 0o600);
  run = await runPgv(['validate'], { cwd: dir });
  assert.not.match(run.stderr, 'warning');
  writeFiles(dir, { 'pgv.config.yaml': `connection:\n  password: \${env:PGPASSWORD}\n${body}` });
  chmodSync(file, 0o644);
  run = await runPgv(['validate'], { cwd: dir, env: { PGPASSWORD: 'x' } });
  assert.is(run.code, 0, run.stderr);
  assert.not.match(run.stderr, 'warning');
});

test.run();
