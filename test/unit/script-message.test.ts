import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { guardSql, scriptMessage } from '../../lib/exec/script-message.js';

const base = { sql: 'CREATE TABLE a (id int);\n', hasStatements: true, ledgerInsert: 'INSERT INTO l VALUES (1)', lockTimeoutMs: 0, resetRole: false, mark: '3', after: null };

test('a script alone: BEGIN, the script, its ledger row, COMMIT, a fresh session, the mark', () => {
  const m = scriptMessage(base);
  assert.is(m.prefix, 'BEGIN;\n');
  assert.is(m.sql, "BEGIN;\nCREATE TABLE a (id int);\n\n; INSERT INTO l VALUES (1); COMMIT; RESET ALL; SET pgv.committed = '3'");
});

test('sent behind an unanswered script: the guard comes before the script, inside the transaction', () => {
  const m = scriptMessage({ ...base, after: '2', lockTimeoutMs: 1500.7, resetRole: true });
  assert.is(m.prefix, `BEGIN; SET LOCAL lock_timeout = 1500; ${guardSql('2')};\n`);
  assert.ok(m.sql.startsWith(m.prefix + base.sql));
  assert.ok(m.sql.endsWith("; RESET ROLE; INSERT INTO l VALUES (1); COMMIT; RESET ALL; SET pgv.committed = '3'"));
});

test('a script of comments only leaves its text out', () => {
  const m = scriptMessage({ ...base, sql: '-- nothing\n', hasStatements: false });
  assert.is(m.sql, "BEGIN;\n\n; INSERT INTO l VALUES (1); COMMIT; RESET ALL; SET pgv.committed = '3'");
});

test('the guard compares the committed mark, quoted', () => {
  assert.is(
    guardSql("it's"),
    "SELECT WHERE (CASE WHEN pg_catalog.current_setting('pgv.committed', true) = 'it''s' THEN 'false' ELSE 'pgv: the script sent before this one did not commit' END)::boolean",
  );
});

test.run();
