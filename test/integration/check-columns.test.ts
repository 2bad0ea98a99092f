/** `pgv check --exclude-column` as pum's `-P` users expect it: a pattern without a dot is a column name. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonOf, makeProject, runPgv } from '../helpers/cli.js';
import { urlFor } from '../helpers/check.js';
import { createDatabase, dropDatabase, withDb } from '../helpers/db.js';

const project = makeProject('check-columns');

test('--exclude-column usr_% hides usr_ columns of every table; with a dot it still means table.column', async () => {
  const a = await createDatabase('ckcol_a');
  const b = await createDatabase('ckcol_b');
  try {
    await withDb(a, (db) => db.query('CREATE TABLE orders (id int); CREATE TABLE users (id int)'));
    await withDb(b, (db) => db.query('CREATE TABLE orders (id int, usr_created text); CREATE TABLE users (id int, usr_name text, note text)'));
    const check = (...extra: string[]) => runPgv(['check', '--db1', urlFor(a), '--db2', urlFor(b), '--ignore', 'schemas,tables', '--json', ...extra], { cwd: project });
    const all = await check();
    assert.is(all.code, 1);
    assert.equal(jsonOf(all).differences.map((d: { name: string }) => d.name).sort(), ['public.orders.usr_created', 'public.users.note', 'public.users.usr_name']);
    const pum = await check('--exclude-column', 'usr_%');
    assert.is(pum.code, 1);
    assert.equal(jsonOf(pum).differences.map((d: { name: string }) => d.name), ['public.users.note']);
    assert.is((await check('--exclude-column', 'usr_%,note')).code, 0);
    // With a dot: table.column or schema.table.column, as before.
    const qualified = await check('--exclude-column', 'orders.usr_%', '--exclude-column', 'public.users.%');
    assert.is(qualified.code, 0, qualified.stdout);
    const other = await check('--exclude-column', 'users.usr_created');
    assert.is(jsonOf(other).differences.length, 3);
  } finally {
    await dropDatabase(a);
    await dropDatabase(b);
  }
});

test.run();
