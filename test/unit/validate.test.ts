import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validateAgainst, type ConfigProblem } from '../../lib/config/validate.js';

const validate = (data: unknown): ConfigProblem[] => validateAgainst('pgv.config.schema.json', data);
const part = (extra: Record<string, unknown> = {}) => ({ recipe: 'schema', dbname: 'app', schema: 'db/app', ...extra });

test('a valid config has no problems', () => {
  assert.equal(
    validate({
      server: 'embedded',
      connection: { host: 'localhost', port: 5432, sslmode: 'prefer' },
      parts: { app: part({ after: 'base', ddl_lock_timeout: '5s', create: true }), base: part({ after: [] }) },
    }),
    [],
  );
  assert.equal(validate({ server: { mode: 'embedded', port: '5433', settings: { shared_buffers: '128MB' } }, parts: {} }), []);
});

test('a missing required key is reported at its parent', () => {
  assert.equal(validate({}), [{ path: '', message: 'missing required key "parts"' }]);
  assert.equal(validate({ parts: { app: { recipe: 'schema', schema: 's' } } }), [{ path: '/parts/app', message: 'missing required key "dbname"' }]);
});

test('recipe schema requires the schema key (if/then), without noise from the if', () => {
  assert.equal(validate({ parts: { app: { recipe: 'schema', dbname: 'x' } } }), [{ path: '/parts/app', message: 'missing required key "schema"' }]);
  assert.equal(validate({ parts: { app: { recipe: 'deltas', dbname: 'x' } } }), [{ path: '/parts/app', message: 'missing required key "deltas"' }]);
});

test('an unknown key is reported by name with a "did you mean"', () => {
  assert.equal(validate({ conection: {}, parts: {} }), [{ path: '/conection', message: 'unknown key "conection"; did you mean "connection"?' }]);
  assert.equal(validate({ parts: { app: part({ scheme: 'x' }) } }).filter((p) => p.path === '/parts/app/scheme'), [
    { path: '/parts/app/scheme', message: 'unknown key "scheme"; did you mean "schema"?' },
  ]);
});

test('an unknown key unlike any known one lists the known keys', () => {
  const [p, ...rest] = validate({ connection: { zzzzzzzz: 1 }, parts: {} });
  assert.equal(rest, []);
  assert.is(p?.path, '/connection/zzzzzzzz');
  assert.match(p?.message ?? '', /^unknown key "zzzzzzzz"; known keys: url, host, port, user, password, sslmode, service/);
});

test('a key with / or ~ is escaped in the JSON pointer', () => {
  assert.equal(validate({ 'a/b~c': 1, parts: {} }).map((p) => p.path), ['/a~1b~0c']);
});

test('enum: the allowed values and a suggestion', () => {
  assert.equal(validate({ connection: { sslmode: 'requir' }, parts: {} }), [
    {
      path: '/connection/sslmode',
      message: 'must be one of "disable", "allow", "prefer", "require", "verify-ca", "verify-full", "no-verify", not "requir"; did you mean "require"?',
    },
  ]);
  assert.equal(validate({ parts: { app: part({ recipe: 'zzzzzz' }) } }), [
    { path: '/parts/app/recipe', message: 'must be one of "schema", "deltas", not "zzzzzz"' },
  ]);
});

test('type errors say what was found', () => {
  assert.equal(validate({ parts: { app: 5 } }), [{ path: '/parts/app', message: 'must be object, not 5' }]);
  assert.equal(validate({ parts: { app: part({ create: 'yes' }) } }), [{ path: '/parts/app/create', message: 'must be boolean, not "yes"' }]);
  assert.equal(validate({ parts: [] }), [{ path: '/parts', message: 'must be object, not a list' }]);
});

test('several problems are reported at once, each with its JSON path', () => {
  const problems = validate({
    conection: {},
    connection: { sslmode: 'nope' },
    parts: { app: part({ create: 1, after: 5 }), other: { recipe: 'deltas' } },
  });
  assert.equal(problems.map((p) => p.path).sort(), [
    '/conection',
    '/connection/sslmode',
    '/parts/app/after',
    '/parts/app/create',
    '/parts/other',
    '/parts/other',
  ]);
  assert.equal(problems.filter((p) => p.path === '/parts/other').map((p) => p.message).sort(), [
    'missing required key "dbname"',
    'missing required key "deltas"',
  ]);
});

test('oneOf: a value matching no branch gets one summary message', () => {
  assert.equal(validate({ parts: { app: part({ after: 5 }) } }), [{ path: '/parts/app/after', message: 'must be a string or a list, not 5' }]);
  assert.equal(validate({ extends: {}, parts: {} }), [{ path: '/extends', message: 'must be a string or a list, not an object' }]);
});

test('oneOf with a $ref branch: still one summary message', () => {
  assert.equal(validate({ server: 42, parts: {} }), [{ path: '/server', message: 'must be "embedded" or an object, not 42' }]);
  assert.equal(validate({ server: 'embeded', parts: {} }), [{ path: '/server', message: 'must be "embedded" or an object, not "embeded"; did you mean "embedded"?' }]);
});

test('oneOf: a value of the right type that fails inside its branch is reported there, not as a wrong type', () => {
  const problems = validate({ server: { mode: 'embedded', tcp: 'yes' }, parts: {} });
  assert.equal(problems, [{ path: '/server/tcp', message: 'must be boolean, not "yes"' }]);
});

test('oneOf: an integer out of range is not reported as "must be an integer"', () => {
  const problems = validate({ connection: { port: 0 }, parts: {} });
  assert.is(problems.length, 1);
  assert.is(problems[0]!.path, '/connection/port');
  assert.not.match(problems[0]!.message, /must be an integer/);
  assert.match(problems[0]!.message, /1|65535/);
});

test('an invalid part name is reported once, by name', () => {
  assert.equal(validate({ parts: { '1bad': part() } }), [
    { path: '/parts/1bad', message: '"1bad" is not a valid name (letters, digits, _ . -; at most 63 characters; not starting with a digit)' },
  ]);
});

test('validation never throws for arbitrary data', () => {
  for (const data of [null, 1, 'x', [], { parts: null }, { parts: { a: { connection: [] } } }]) {
    assert.ok(validate(data).length > 0, JSON.stringify(data));
  }
});

test('a misspelled lint rule is named as an unknown rule, with the rule it probably meant', () => {
  assert.equal(validate({ parts: { app: part({ lint: { rules: { 'ban-drop-colum': 'off' } } }) } }), [
    { path: '/parts/app/lint/rules/ban-drop-colum', message: 'unknown lint rule "ban-drop-colum"; did you mean "ban-drop-column"?' },
  ]);
});

test.run();
