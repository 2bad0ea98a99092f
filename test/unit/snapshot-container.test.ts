import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { containerSql, settingValueSql, splitGucList } from '../../lib/snapshot/container.js';

test('splitGucList reads the stored form of list settings', () => {
  assert.equal(splitGucList('"$user", public'), ['$user', 'public']);
  assert.equal(splitGucList('a,"b c","d""e"'), ['a', 'b c', 'd"e']);
  assert.equal(splitGucList(''), []);
});

test('list settings become one literal per element, others one literal', () => {
  assert.is(settingValueSql('search_path', '"$user", app'), `'$user', 'app'`);
  assert.is(settingValueSql('work_mem', '64MB'), `'64MB'`);
  assert.is(settingValueSql('application_name', "it's"), `'it''s'`);
});

test('containerSql: grants from scratch, connection limit, database and role settings', () => {
  assert.equal(
    containerSql('shop~revert', {
      owner: 'app',
      grants: [
        { grantee: 'app', privilege: 'CONNECT', grantable: false },
        { grantee: null, privilege: 'TEMPORARY', grantable: false },
        { grantee: 'admin', privilege: 'CREATE', grantable: true },
      ],
      connectionLimit: 20,
      settings: [{ role: null, config: ['search_path=app, public', 'work_mem=64MB'] }, { role: 'reporting', config: ['statement_timeout=5s'] }],
    }),
    [
      'REVOKE ALL ON DATABASE "shop~revert" FROM PUBLIC',
      'REVOKE ALL ON DATABASE "shop~revert" FROM "app"',
      'GRANT CONNECT ON DATABASE "shop~revert" TO "app"',
      'GRANT TEMPORARY ON DATABASE "shop~revert" TO PUBLIC',
      'GRANT CREATE ON DATABASE "shop~revert" TO "admin" WITH GRANT OPTION',
      'ALTER DATABASE "shop~revert" CONNECTION LIMIT 20',
      `ALTER DATABASE "shop~revert" SET "search_path" TO 'app', 'public'`,
      `ALTER DATABASE "shop~revert" SET "work_mem" TO '64MB'`,
      `ALTER ROLE "reporting" IN DATABASE "shop~revert" SET "statement_timeout" TO '5s'`,
    ],
  );
  assert.equal(containerSql('x', { owner: 'o', grants: null, connectionLimit: -1, settings: [] }), []);
});

test.run();
