/** The pure parts of dump and restore: formats, tables of contents, verbose lines, environments, versions. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatForName, parseToc, sniffFormat } from '../../lib/dump/archive.js';
import { clientEnvironment, libpqVariables } from '../../lib/dump/env.js';
import { dumpActivity, failureLines, isDropStatement, restoredObject, restoreErrors } from '../../lib/dump/progress.js';
import { installHint, parseToolVersion, serverMajor } from '../../lib/dump/tools.js';
import { describeRestoredData, failedEntryIds, resolveEntry, tableDataEntries } from '../../lib/dump/restored-data.js';
import type { ConnectionSpec } from '../../lib/db/connection.js';
import { formatBytes, renderDumpJson, renderRestoreJson, restoreProgressText } from '../../lib/report/dump.js';

const spec: ConnectionSpec = { host: '/run/pg', port: 5433, user: 'app', password: 'pa ss"word', dbname: 'shop', sslmode: 'prefer', application_name: 'pgv' };

test('format by name: .sql is plain, .tar is tar, anything else custom', () => {
  assert.equal(['a.sql', 'B.SQL', 'a.tar', 'a.dump', 'a', 'a.sql.dump'].map(formatForName), ['plain', 'plain', 'tar', 'custom', 'custom', 'custom']);
});

test('format by content: PGDMP, pg_dump tar, plain header; everything else says why it is not a dump', () => {
  assert.equal(sniffFormat(Buffer.from('PGDMP\u0001\u000e\u0000')), { format: 'custom' });
  const tar = Buffer.alloc(512);
  tar.write('toc.dat', 0, 'latin1');
  tar.write('ustar', 257, 'latin1');
  assert.equal(sniffFormat(tar), { format: 'tar' });
  const otherTar = Buffer.alloc(512);
  otherTar.write('notes.txt', 0, 'latin1');
  otherTar.write('ustar', 257, 'latin1');
  assert.match((sniffFormat(otherTar) as { problem: string }).problem, 'first member is "notes.txt"');
  assert.equal(sniffFormat(Buffer.from('--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\nSET x = 1;\n')), { format: 'plain' });
  assert.match((sniffFormat(Buffer.from('--\n-- PostgreSQL database cluster dump\n--\n')) as { problem: string }).problem, 'pg_dumpall');
  assert.match((sniffFormat(Buffer.from([0x1f, 0x8b, 8, 0])) as { problem: string }).problem, 'gzip');
  assert.match((sniffFormat(Buffer.from('CREATE TABLE t (id int);\n')) as { hint: string }).hint, 'psql -X -1 -f FILE');
  assert.match((sniffFormat(Buffer.alloc(0)) as { problem: string }).problem, 'empty');
  assert.match((sniffFormat(Buffer.from([1, 2, 0, 3])) as { problem: string }).problem, 'binary');
});

test('table of contents: entries are the numbered lines; the header gives database and versions', () => {
  const toc = [
    ';',
    '; Archive created at 2026-11-21 20:56:26 UTC',
    ';     dbname: src',
    ';     TOC Entries: 60',
    ';     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)',
    ';     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)',
    ';',
    '; Selected TOC Entries:',
    ';',
    '6; 2615 16385 SCHEMA - Sales; Dept postgres',
    '3435; 0 16405 TABLE DATA Sales; Dept customer postgres',
    ';3436; 0 16406 TABLE DATA public skipped postgres',
    '3432; 3256 16495 POLICY Sales; Dept customer own_rows postgres',
    '',
  ].join('\n');
  assert.equal(parseToc(toc), { entries: 3, database: 'src', dumpedFrom: '15.18 (Debian 15.18-0+deb12u1)', dumpedBy: '15.18 (Debian 15.18-0+deb12u1)' });
});

test('pg_restore --verbose: one counted line per entry, serial or parallel; other chatter is not counted', () => {
  const lines = [
    'pg_restore: connecting to database for restore',
    'pg_restore: processing item 6 SCHEMA Sales; Dept',
    'pg_restore: creating SCHEMA "Sales; Dept"',
    'pg_restore: dropping TABLE customer',
    'pg_restore: entering main parallel loop',
    'pg_restore: launching item 3437 TABLE DATA order_2025',
    'pg_restore: processing data for table "Sales; Dept.order_2025"',
    'pg_restore: finished item 3437 TABLE DATA order_2025',
    'pg_restore: executing SEQUENCE SET invoice_no',
    'pg_restore: creating FK CONSTRAINT "Sales; Dept.order order_customer_id_fkey"',
  ];
  assert.equal(lines.map(restoredObject).filter(Boolean), ['SCHEMA Sales; Dept', 'TABLE DATA Sales; Dept.order_2025', 'SEQUENCE SET invoice_no', 'FK CONSTRAINT Sales; Dept.order order_customer_id_fkey']);
});

test('parallel workers interleave prefixes and messages; every message still counts once', () => {
  const stderr = [
    'pg_restore: entering main parallel loop',
    'pg_restore:pg_restore:  creating CONSTRAINT "audit.event event_pkey"',
    'creating CONSTRAINT "Sales; Dept.customer customer_pkey"',
    'pg_restore: pg_restore:creating TRIGGER "Sales; Dept.customer customer_audit"',
    ' creating INDEX ATTACH "Sales; Dept.order_2025_pkey"',
    'pg_restore: pg_restore: from TOC entry 3438; 0 16444 TABLE DATA order_2026 postgres',
    'finished item 3430 RULE event no_delete',
    'pg_restore: pg_restore:error:  COPY failed for table "order_2026": ERROR:  duplicate key value violates unique constraint "order_2026_pkey"',
    'DETAIL:  Key (id, placed_on)=(306, 2026-01-01) already exists.',
    'launching item 3435 TABLE DATA customer',
  ];
  assert.equal(stderr.map(restoredObject).filter(Boolean), [
    'CONSTRAINT audit.event event_pkey', 'CONSTRAINT Sales; Dept.customer customer_pkey', 'TRIGGER Sales; Dept.customer customer_audit', 'INDEX ATTACH Sales; Dept.order_2025_pkey',
  ]);
  assert.equal(failureLines('pg_restore', stderr.join('\n')), [
    'pg_restore: from TOC entry 3438; 0 16444 TABLE DATA order_2026 postgres',
    'pg_restore: error:  COPY failed for table "order_2026": ERROR:  duplicate key value violates unique constraint "order_2026_pkey"',
    'DETAIL:  Key (id, placed_on)=(306, 2026-01-01) already exists.',
  ]);
  assert.equal(restoreErrors(stderr.join('\n')), [
    { message: 'COPY failed for table "order_2026": ERROR:  duplicate key value violates unique constraint "order_2026_pkey"\nDETAIL:  Key (id, placed_on)=(306, 2026-01-01) already exists.', command: '' },
  ]);
});

test('pg_dump --verbose: activities, but not errors', () => {
  assert.is(dumpActivity('pg_dump: dumping contents of table "public.t"'), 'dumping contents of table public.t');
  assert.is(dumpActivity('pg_dump: error: query failed: ERROR:  permission denied for table t'), undefined);
  assert.is(dumpActivity('Command was: LOCK TABLE t'), undefined);
});

test('failure lines keep errors and their context, drop progress chatter, and keep the last ones', () => {
  const stderr = [
    'pg_restore: connecting to database for restore',
    'pg_restore: creating SCHEMA "audit"',
    'pg_restore: while PROCESSING TOC:',
    'pg_restore: from TOC entry 6; 2615 16385 SCHEMA audit postgres',
    'pg_restore: error: could not execute query: ERROR:  schema "audit" already exists',
    'Command was: CREATE SCHEMA audit;',
    '',
  ].join('\n');
  assert.equal(failureLines('pg_restore', stderr), [
    'pg_restore: while PROCESSING TOC:',
    'pg_restore: from TOC entry 6; 2615 16385 SCHEMA audit postgres',
    'pg_restore: error: could not execute query: ERROR:  schema "audit" already exists',
    'Command was: CREATE SCHEMA audit;',
  ]);
  const many = Array.from({ length: 40 }, (_, i) => `pg_dump: error: e${i}`).join('\n');
  const kept = failureLines('pg_dump', many, 5);
  assert.equal(kept, ['… (35 earlier lines)', 'pg_dump: error: e35', 'pg_dump: error: e36', 'pg_dump: error: e37', 'pg_dump: error: e38', 'pg_dump: error: e39']);
});

test('restore errors: message and statement; drop-phase statements are recognized', () => {
  const stderr = [
    'pg_restore: dropping CONSTRAINT order_2026 order_2026_pkey',
    'pg_restore: error: could not execute query: ERROR:  cannot drop inherited constraint "order_2026_pkey" of relation "order_2026"',
    'Command was: ALTER TABLE IF EXISTS ONLY "Sales; Dept".order_2026 DROP CONSTRAINT IF EXISTS order_2026_pkey;',
    'pg_restore: error: could not execute query: ERROR:  relation "t" already exists',
    'Command was: CREATE TABLE public.t (',
    '    id integer',
    ');',
    'pg_restore: warning: errors ignored on restore: 2',
  ].join('\n');
  const errors = restoreErrors(stderr);
  assert.equal(errors, [
    { message: 'cannot drop inherited constraint "order_2026_pkey" of relation "order_2026"', command: 'ALTER TABLE IF EXISTS ONLY "Sales; Dept".order_2026 DROP CONSTRAINT IF EXISTS order_2026_pkey;' },
    { message: 'relation "t" already exists', command: 'CREATE TABLE public.t (\n    id integer\n);' },
  ]);
  assert.equal(errors.map((e) => isDropStatement(e.command)), [true, false]);
  assert.ok(isDropStatement('DROP TABLE IF EXISTS public.t;'));
  assert.ok(isDropStatement('ALTER TABLE public.t ALTER COLUMN id DROP DEFAULT;'));
  assert.not.ok(isDropStatement('ALTER TABLE ONLY public.t ADD CONSTRAINT t_pkey PRIMARY KEY (id);'));
});

test('libpq variables carry the whole connection, the password included', () => {
  assert.equal(libpqVariables(spec), { PGHOST: '/run/pg', PGPORT: '5433', PGUSER: 'app', PGDATABASE: 'shop', PGSSLMODE: 'prefer', PGAPPNAME: 'pgv', PGPASSWORD: 'pa ss"word' });
  assert.is(libpqVariables({ ...spec, sslmode: 'no-verify' }).PGSSLMODE, 'require');
  assert.not.ok('PGPASSWORD' in libpqVariables({ ...spec, password: undefined }));
});

test('the child environment keeps PATH and user settings but nothing that redirects the connection', () => {
  const base = {
    PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', PGOPTIONS: '-c statement_timeout=0', PGV_PG_BINDIR: '/opt/pg/bin',
    PGSERVICE: 'prod', PGSERVICEFILE: '/etc/svc', PGPASSFILE: '/x/.pgpass', PGHOSTADDR: '10.0.0.9', PGPASSWORD: 'leftover',
    PGHOST: 'elsewhere', PGTARGETSESSIONATTRS: 'read-write', UNSET: undefined,
  };
  const env = clientEnvironment(base, { ...spec, password: undefined });
  assert.equal(env, {
    PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', PGOPTIONS: '-c statement_timeout=0', PGV_PG_BINDIR: '/opt/pg/bin',
    PGHOST: '/run/pg', PGPORT: '5433', PGUSER: 'app', PGDATABASE: 'shop', PGSSLMODE: 'prefer', PGAPPNAME: 'pgv',
  });
});

test('versions: tools and servers, before and after PostgreSQL 10', () => {
  assert.equal(parseToolVersion('pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)'), { version: '15.18', major: 15 });
  assert.equal(parseToolVersion('pg_restore (PostgreSQL) 17beta1'), { version: '17', major: 17 });
  assert.equal(parseToolVersion('psql (PostgreSQL) 9.6.24'), { version: '9.6.24', major: 9.6 });
  assert.is(parseToolVersion('something else'), undefined);
  assert.equal([150018, 170002, 90624, 100023].map(serverMajor), [15, 17, 9.6, 10]);
  assert.match(installHint('pg_dump', 16), 'apt-get install postgresql-client-16');
  assert.match(installHint('pg_dump', 16), 'dnf install postgresql16');
  assert.match(installHint('pg_dump', 16), 'PGV_PG_BINDIR');
});

test('reports: JSON documents and progress text', () => {
  const tool = { program: 'pg_dump' as const, path: '/usr/lib/postgresql/15/bin/pg_dump', version: '15.18', major: 15 };
  assert.equal(renderDumpJson({ database: 'shop', file: '/x/shop.dump', format: 'custom', durationMs: 1234.6, bytes: 4096, tool, serverVersion: 150018 }), {
    database: 'shop', file: '/x/shop.dump', format: 'custom', duration_ms: 1235, bytes: 4096,
  });
  assert.equal(renderRestoreJson({ database: 'copy', file: '/x/shop.sql', format: 'plain', durationMs: 10, created: true, warnings: [], tool: { ...tool, program: 'psql' } }), {
    database: 'copy', file: '/x/shop.sql', format: 'plain', duration_ms: 10, objects: null, created: true, warnings: [],
  });
  assert.is(restoreProgressText('copy', 12, 48, 'TABLE public.t'), 'restoring copy: 12/48 objects (25%) TABLE public.t');
  assert.is(restoreProgressText('copy', 50, 48, 'x'), 'restoring copy: 48/48 objects (100%) x');
  assert.is(restoreProgressText('copy', 3, undefined, 'CREATE TABLE'), 'restoring copy: 3 statements (CREATE TABLE)');
  assert.equal([0, 1023, 1536, 5 * 1024 * 1024 * 1024].map(formatBytes), ['0 bytes', '1023 bytes', '1.5 KiB', '5.0 GiB']);
});

test('restored data: TABLE DATA entries of a listing, failed entries by the TOC entry named last, names with spaces resolved against the target', () => {
  const listing = [
    ';     dbname: src',
    '3435; 0 16535 TABLE DATA Sales; Dept customer postgres',
    ';3436; 0 16536 TABLE DATA public skipped postgres',
    '3440; 0 16592 TABLE DATA audit event postgres',
    '3441; 0 16601 TABLE DATA audit special_event ',
    '3450; 0 0 SEQUENCE SET audit event_id_seq postgres',
  ].join('\n');
  const entries = tableDataEntries(listing);
  assert.equal(entries, [{ id: 3435, text: 'Sales; Dept customer postgres' }, { id: 3440, text: 'audit event postgres' }, { id: 3441, text: 'audit special_event' }]);
  const stderr = [
    'pg_restore: from TOC entry 225; 1259 16592 TABLE event postgres',
    'pg_restore: error: could not execute query: ERROR:  relation "event" already exists',
    'pg_restore: processing data for table "audit.event"',
    'pg_restore: from TOC entry 3440; 0 16592 TABLE DATA event postgres',
    'pg_restore: error: could not execute query: ERROR:  column "id" of relation "event" does not exist',
    'Command was: COPY audit.event (id, happened_at, payload) FROM stdin;',
    'pg_restore: pg_restore: processing data for table "audit.special_event"',
    'pg_restore: warning: errors ignored on restore: 2',
  ].join('\n');
  assert.equal([...failedEntryIds(stderr)].sort(), [225, 3440]);
  const tables = [{ schema: 'Sales; Dept', name: 'customer', bytes: 8192 }, { schema: 'Sales;', name: 'Dept customer', bytes: 0 }, { schema: 'audit', name: 'special_event', bytes: 0 }];
  assert.equal(resolveEntry(entries[0]!, tables), tables[0]);
  assert.is(resolveEntry(entries[1]!, tables), undefined);
  assert.equal(resolveEntry(entries[2]!, tables), tables[2]);
});

test('restored data in words: a total, then the tables whose data failed, by name', () => {
  const ok = { estimated: false, failed: false };
  assert.is(describeRestoredData([]), 'The archive holds no table data.');
  assert.is(describeRestoredData([{ table: 'a.t', rows: 1, ...ok }]), "Table data: 1 row in the archive's table (count(*) of each in the target).");
  assert.is(
    describeRestoredData([{ table: 'a.t', rows: 1200, ...ok }, { table: 'a.u', rows: 3, ...ok, failed: true }, { table: 'b.v', rows: null, ...ok, failed: true }]),
    "Table data: 1,200 rows in 1 of the archive's 3 tables (count(*) of each in the target); the data of 2 failed: a.u (3 rows there now), b.v (no such table in the target).",
  );
  const many = Array.from({ length: 10 }, (_, k) => ({ table: `s.t${k}`, rows: 0, estimated: false, failed: true }));
  assert.match(describeRestoredData(many), 's.t7 (0 rows there now), and 2 more (see --json).');
});

test.run();
