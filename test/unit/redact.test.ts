import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redact } from '../../lib/util/redact.js';

test('password-like keys are masked at any depth, case-insensitively', () => {
  const value = {
    connection: { host: 'h', password: 'hunter2' },
    parts: { app: { connection: { PASSWORD: 'x', passwd: 'y', PgPassword: 'z', secret: 's', token: 't' } } },
  };
  assert.equal(redact(value), {
    connection: { host: 'h', password: '***' },
    parts: { app: { connection: { PASSWORD: '***', passwd: '***', PgPassword: '***', secret: '***', token: '***' } } },
  });
});

test('a password-like key that is undefined stays undefined', () => {
  assert.equal(redact({ password: undefined, user: 'u' }), { password: undefined, user: 'u' });
});

test('non-string secrets are masked too', () => {
  assert.equal(redact({ password: 1234, token: { a: 1 } }), { password: '***', token: '***' });
});

test('URL and keyword passwords inside strings are masked, in arrays too', () => {
  assert.equal(redact({ url: 'postgres://u:pw@h/db', list: ['host=h password=pw', 'plain'] }), {
    url: 'postgres://u:***@h/db',
    list: ['host=h password=***', 'plain'],
  });
});

test('keys that merely contain "password" are not masked', () => {
  assert.equal(redact({ password_file: '/x', user: 'u' }), { password_file: '/x', user: 'u' });
});

test('other values pass through; the input is not mutated', () => {
  const input = { n: 1, b: true, z: null, password: 'p', nested: [{ password: 'q' }] };
  const out = redact(input);
  assert.equal(out, { n: 1, b: true, z: null, password: '***', nested: [{ password: '***' }] });
  assert.is(input.password, 'p');
  assert.is(input.nested[0]!.password, 'q');
  assert.is(redact(7), 7);
  assert.is(redact(null), null);
  assert.is(redact(undefined), undefined);
});

test.run();
