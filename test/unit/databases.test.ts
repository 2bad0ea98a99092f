/** The database-level SQL builders: exact text, and the clauses each server version allows. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseStrategy, commentOnDatabaseSql, createDatabaseSql, dropDatabaseSql, renameDatabaseSql } from '../../lib/db/databases.js';

test('CREATE DATABASE: empty, by template, with owner; STRATEGY only from PostgreSQL 15', () => {
  assert.is(createDatabaseSql('app'), 'CREATE DATABASE "app"');
  assert.is(createDatabaseSql('copy', { template: 'app', strategy: 'file_copy', owner: 'o' }, 150004), 'CREATE DATABASE "copy" OWNER "o" TEMPLATE "app" STRATEGY FILE_COPY');
  assert.is(createDatabaseSql('copy', { template: 'app', strategy: 'wal_log' }, 140010), 'CREATE DATABASE "copy" TEMPLATE "app"');
  assert.is(createDatabaseSql('r', { template: 'template0' }, 120000), 'CREATE DATABASE "r" TEMPLATE "template0"');
  assert.is(createDatabaseSql('a"b', { template: 'x y' }), 'CREATE DATABASE "a""b" TEMPLATE "x y"');
});

test('DROP DATABASE: WITH (FORCE) only from PostgreSQL 13', () => {
  assert.is(dropDatabaseSql('old', true, 130000), 'DROP DATABASE IF EXISTS "old" WITH (FORCE)');
  assert.is(dropDatabaseSql('old', true, 120017), 'DROP DATABASE IF EXISTS "old"');
  assert.is(dropDatabaseSql('old', false, 150000), 'DROP DATABASE IF EXISTS "old"');
});

test('rename and comment', () => {
  assert.is(renameDatabaseSql('a', 'b~discard'), 'ALTER DATABASE "a" RENAME TO "b~discard"');
  assert.is(commentOnDatabaseSql('a', "it's"), `COMMENT ON DATABASE "a" IS 'it''s'`);
  assert.is(commentOnDatabaseSql('a', null), 'COMMENT ON DATABASE "a" IS NULL');
});

test('copy strategy: by size on 15, none before (and a named one is a usage error there)', () => {
  assert.is(chooseStrategy('auto', 1, 150000), 'wal_log');
  assert.is(chooseStrategy('auto', 64 * 1024 * 1024, 150000), 'file_copy');
  assert.is(chooseStrategy('auto', 1e12, 140000), null);
  assert.throws(() => chooseStrategy('file_copy', 1, 140000), (e: Error) => e.message === '--strategy file_copy needs PostgreSQL 15 or newer (the server is 14)');
});

test.run();
