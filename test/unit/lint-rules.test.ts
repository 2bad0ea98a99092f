/**
 * Every lint rule: a statement that fires it and its safe rewrite that does not, parsed by the
 * real PostgreSQL grammar (libpg-query). Plus positions, ignore comments, levels and the
 * created-in-this-script exemption.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lintScript, type Finding } from '../../lib/lint/lint.js';
import { loadParser } from '../../lib/lint/parse.js';
import { rules } from '../../lib/lint/rules.js';
import { defaultLintSettings, type LintSettings } from '../../lib/lint/settings.js';

const parser = await loadParser();
const lint = (sql: string, options: { transactional?: boolean; settings?: LintSettings } = {}): Finding[] =>
  lintScript({ file: 'x.sql', text: sql, transactional: options.transactional ?? true }, options.settings ?? defaultLintSettings, parser);
const rulesOf = (sql: string, transactional = true) => lint(sql, { transactional }).map((f) => f.rule);

/** rule → [a script that fires it, its safe rewrite, transactional?]. */
const cases: Record<string, { fires: string; safe: string; transactional?: boolean; safeTransactional?: boolean }> = {
  'require-concurrent-index-creation': { fires: 'CREATE INDEX orders_note_idx ON orders (note);', safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_note_idx ON orders (note);', transactional: false },
  'require-concurrent-index-deletion': { fires: 'DROP INDEX orders_note_idx;', safe: 'DROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;', transactional: false },
  'ban-concurrent-index-creation-in-transaction': { fires: 'CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);', safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_note_idx ON orders (note);', transactional: true, safeTransactional: false },
  'adding-foreign-key-constraint': {
    fires: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id);',
    safe: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id) NOT VALID;',
  },
  'constraint-missing-not-valid': { fires: 'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0);', safe: 'ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;' },
  'adding-not-nullable-field': {
    fires: 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
    safe: 'ALTER TABLE orders ADD CONSTRAINT note_not_null CHECK (note IS NOT NULL) NOT VALID;',
  },
  'adding-required-field': { fires: 'ALTER TABLE orders ADD COLUMN note text NOT NULL;', safe: "ALTER TABLE orders ADD COLUMN note text NOT NULL DEFAULT '';" },
  'adding-field-with-default': { fires: 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();', safe: 'ALTER TABLE orders ADD COLUMN created timestamptz NOT NULL DEFAULT now();' },
  'changing-column-type': { fires: 'ALTER TABLE orders ALTER COLUMN qty TYPE bigint;', safe: 'ALTER TABLE orders ADD COLUMN qty_new bigint;' },
  'disallowed-unique-constraint': {
    fires: 'ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE (ref);',
    safe: 'ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_idx;',
  },
  'adding-serial-primary-key-field': { fires: 'ALTER TABLE orders ADD PRIMARY KEY (id);', safe: 'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx;' },
  'ban-drop-column': { fires: 'ALTER TABLE orders DROP COLUMN legacy;', safe: 'COMMENT ON COLUMN orders.legacy IS \'unused since 2.0, dropped in 3.0\';' },
  'ban-drop-table': { fires: 'DROP TABLE legacy;', safe: 'ALTER TABLE legacy SET SCHEMA attic;' },
  'ban-drop-database': { fires: 'DROP DATABASE scratch;', safe: 'SELECT 1;' },
  'renaming-column': { fires: 'ALTER TABLE orders RENAME COLUMN note TO remark;', safe: 'ALTER TABLE orders ADD COLUMN remark text;' },
  'renaming-table': { fires: 'ALTER TABLE orders RENAME TO purchase;', safe: 'CREATE VIEW purchase AS SELECT * FROM orders;' },
  'prefer-robust-stmts': { fires: 'CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);', safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_note_idx ON orders (note);', transactional: false },
  'transaction-nesting': { fires: 'UPDATE orders SET qty = 1;\nCOMMIT;\nUPDATE orders SET qty = 2;', safe: 'UPDATE orders SET qty = 1;\nUPDATE orders SET qty = 2;' },
  'pgv-one-statement-without-transaction': {
    fires: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON orders (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS b_idx ON orders (b);',
    safe: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a_idx ON orders (a);',
    transactional: false,
  },
  'pgv-idempotent-without-transaction': { fires: 'DROP INDEX CONCURRENTLY orders_note_idx;', safe: 'DROP INDEX CONCURRENTLY IF EXISTS orders_note_idx;', transactional: false },
  'syntax-error': { fires: 'ALTER TABLE orders ADD COLUMN;', safe: 'ALTER TABLE orders ADD COLUMN note text;' },
};

for (const [rule, c] of Object.entries(cases)) {
  test(`${rule}: fires on the risky statement, not on its safe rewrite`, () => {
    assert.ok(rulesOf(c.fires, c.transactional ?? true).includes(rule), `${rule} should fire on: ${c.fires} (got ${rulesOf(c.fires, c.transactional ?? true).join(', ')})`);
    assert.not.ok(rulesOf(c.safe, c.safeTransactional ?? c.transactional ?? true).includes(rule), `${rule} should not fire on: ${c.safe}`);
  });
}

test('every rule has a case above', () => {
  assert.equal(rules.map((r) => r.id).filter((id) => !(id in cases)), []);
});

test('a finding names file:line:col, the rule, why it hurts and the safe rewrite', () => {
  const [f] = lint('SELECT 1;\n\n  -- build it\n  CREATE INDEX orders_note_idx ON orders (note);\n');
  assert.equal({ file: f!.file, line: f!.line, column: f!.column, rule: f!.rule, level: f!.level }, { file: 'x.sql', line: 4, column: 3, rule: 'require-concurrent-index-creation', level: 'warning' });
  assert.match(f!.why, 'SHARE lock on orders');
  assert.match(f!.fix, 'CREATE INDEX CONCURRENTLY');
});

test('a script the grammar cannot read is one finding at the position where it stopped, not a crash', () => {
  const findings = lint("SELECT 'é';\nCREATE TABLE t (id int,,);\n");
  assert.equal(findings.map((f) => `${f.line}:${f.column} ${f.rule} ${f.level}`), ['2:24 syntax-error error']);
  assert.match(findings[0]!.message, 'syntax error at or near ","');
  assert.equal(lint('').length, 0, 'an empty script has no statement and no finding');
});

test('positions count characters, not bytes, after non-ASCII text', () => {
  const [f] = lint("COMMENT ON TABLE orders IS 'Bestellungen für Kunden – ✓';\nALTER TABLE orders ALTER COLUMN qty TYPE bigint;");
  assert.equal([f!.line, f!.column], [2, 1]);
  const [e] = lint("SELECT 'ü';  SELEC 1;");
  assert.equal([e!.line, e!.column], [1, 14]);
});

test('-- squawk-ignore RULE[,RULE] and -- pgv:lint-ignore RULE silence the next statement only', () => {
  const sql = [
    '-- squawk-ignore ban-drop-column, renaming-column',
    'ALTER TABLE orders DROP COLUMN legacy;',
    '-- pgv:lint-ignore changing-column-type -- approved by the DBA',
    'ALTER TABLE orders ALTER COLUMN qty TYPE bigint;',
    'ALTER TABLE orders DROP COLUMN other;',
    '/* squawk-ignore */',
    'DROP TABLE legacy;',
  ].join('\n');
  assert.equal(lint(sql).map((f) => `${f.line} ${f.rule}`), ['5 ban-drop-column']);
});

test('-- squawk-ignore-file silences the whole script; an ignore inside a string is no comment', () => {
  assert.equal(lint('ALTER TABLE orders DROP COLUMN a;\n-- squawk-ignore-file ban-drop-column\nALTER TABLE orders DROP COLUMN b;').length, 0);
  assert.equal(lint("SELECT '-- squawk-ignore ban-drop-table';\nDROP TABLE legacy;").map((f) => f.rule), ['ban-drop-table']);
});

test('the part option lint: sets levels: per rule, for all rules, or off', () => {
  const sql = 'CREATE INDEX i ON orders (note);\nALTER TABLE orders DROP COLUMN legacy;';
  const levels = (settings: LintSettings) => lint(sql, { settings }).map((f) => `${f.rule}=${f.level}`);
  assert.equal(levels(defaultLintSettings), ['require-concurrent-index-creation=warning', 'ban-drop-column=warning']);
  assert.equal(levels({ rules: { 'require-concurrent-index-creation': 'error', 'ban-drop-column': 'off' }, maxLockMs: {} }), ['require-concurrent-index-creation=error']);
  assert.equal(levels({ level: 'error', rules: { 'ban-drop-column': 'warning' }, maxLockMs: {} }), ['require-concurrent-index-creation=error', 'ban-drop-column=warning']);
  assert.equal(lint('SELEC 1', { settings: { level: 'off', rules: {}, maxLockMs: {} } }).map((f) => f.level), ['error'], 'a script that does not parse is always an error');
});

test('tables created earlier in the same script are exempt from the locking rules', () => {
  const sql = [
    'CREATE TABLE invoice (id int, customer_id int, ref text);',
    'CREATE INDEX invoice_customer_idx ON invoice (customer_id);',
    'ALTER TABLE invoice ADD CONSTRAINT invoice_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id);',
    'ALTER TABLE invoice ADD CONSTRAINT invoice_ref_key UNIQUE (ref);',
    'ALTER TABLE public.invoice ALTER COLUMN ref SET NOT NULL;',
  ].join('\n');
  assert.equal(rulesOf(sql), []);
});

test('a volatile default is flagged, a constant or now() is not', () => {
  assert.equal(rulesOf("ALTER TABLE orders ADD COLUMN state text NOT NULL DEFAULT 'new';"), []);
  assert.equal(rulesOf('ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT clock_timestamp();'), ['adding-field-with-default']);
  assert.equal(rulesOf('ALTER TABLE orders ADD COLUMN total int GENERATED ALWAYS AS (qty * 2) STORED;'), ['adding-field-with-default']);
});

test('a transactional script may hold CREATE INDEX CONCURRENTLY only by mistake; a no-transaction one by design', () => {
  assert.equal(rulesOf('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (note);', false), []);
  assert.ok(rulesOf('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (note);', true).includes('ban-concurrent-index-creation-in-transaction'));
});

test.run();
