import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  describeConnection,
  lookupPgpass,
  parseConnectionString,
  parseServiceFile,
  redactUrl,
  resolveConnection,
  withDatabase,
  type ConnectionSources,
} from '../../lib/db/connection.js';
import { PgvError } from '../../lib/errors.js';

/** parseConnectionString, with a thrown error turned into data so a wrong outcome shows in the diff. */
function parse(text: string): unknown {
  try {
    return parseConnectionString(text);
  } catch (e) {
    return { error: e instanceof PgvError ? `${e.code}: ${e.message}` : String(e) };
  }
}

const sources = (over: Partial<ConnectionSources> = {}): ConnectionSources => ({ env: {}, serviceFiles: [], osUser: 'osuser', ...over });

function throwsPgv(fn: () => unknown, code: string, message: RegExp): PgvError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, PgvError);
    const err = e as PgvError;
    assert.is(err.code, code);
    assert.match(err.message, message);
    return err;
  }
  assert.unreachable(`expected a PgvError ${code}`);
  throw new Error('unreachable');
}

test('URL: user, password, host, port and dbname', () => {
  assert.equal(parseConnectionString('postgresql://alice:s3cret@db.example:6543/app'), {
    host: 'db.example', port: 6543, user: 'alice', password: 's3cret', dbname: 'app',
  });
  assert.equal(parseConnectionString('postgres://db/app'), { host: 'db', dbname: 'app' });
});

test('URL: percent-encoded user, password and dbname are decoded', () => {
  assert.equal(parseConnectionString('postgres://u%40x:p%3Aw%40d@h/db%20name'), { host: 'h', user: 'u@x', password: 'p:w@d', dbname: 'db name' });
});

test('URL: query parameters map to keywords (host=/socket, sslmode, port, connect_timeout)', () => {
  assert.equal(parseConnectionString('postgresql://u@h/app?host=/var/run/postgresql&sslmode=require&port=5433&connect_timeout=7&bogus=1'), {
    host: '/var/run/postgresql', user: 'u', dbname: 'app', sslmode: 'require', port: 5433, connect_timeout: 7,
  });
});

test('URL with an empty authority: postgresql:///mydb?host=/tmp keeps the database name', () => {
  // libpq: no host in the authority, database "mydb", socket directory from ?host=.
  assert.equal(parse('postgresql:///mydb?host=/tmp'), { host: '/tmp', dbname: 'mydb' });
});

test('URL: a percent-encoded socket directory as host', () => {
  // libpq documents postgresql://%2Fvar%2Flib%2Fpostgresql/dbname.
  assert.equal(parse('postgresql://%2Fvar%2Flib%2Fpostgresql/app'), { host: '/var/lib/postgresql', dbname: 'app' });
});

test('URL: an IPv6 host is given without its brackets', () => {
  assert.equal(parse('postgresql://[::1]:5433/app'), { host: '::1', port: 5433, dbname: 'app' });
});

test('an invalid URL is a usage error that does not show the password', () => {
  const err = throwsPgv(() => parseConnectionString('postgres://u:topsecret@bad host:x/db'), 'usage', /^not a valid connection URL: /);
  assert.not.match(err.message, /topsecret/);
});

test('keyword strings: plain and quoted values with \\\' and \\\\', () => {
  assert.equal(parseConnectionString("host=localhost port=5433 dbname='my db' password='it\\'s \\\\ x' user = bob"), {
    host: 'localhost', port: 5433, dbname: 'my db', password: "it's \\ x", user: 'bob',
  });
  assert.equal(parseConnectionString("service=prod application_name=''"), { service: 'prod', application_name: '' });
});

test('keyword strings: unknown keyword, missing = and unterminated quote are usage errors', () => {
  const unknown = throwsPgv(() => parseConnectionString('host=x colour=blue'), 'usage', /^unknown connection keyword "colour"$/);
  assert.match(unknown.hint ?? '', /Known keywords: host, hostaddr, port/);
  throwsPgv(() => parseConnectionString('host=x dbname'), 'usage', /^malformed connection string near "dbname"/);
  throwsPgv(() => parseConnectionString("host='x"), 'usage', /^unterminated quoted value in connection string$/);
});

test('a bare name is a database name', () => {
  assert.equal(parseConnectionString('  mydb '), { dbname: 'mydb' });
});

test('parseServiceFile: sections, comments, known keys only, numbers', () => {
  const services = parseServiceFile('# comment\n[prod]\nhost = db.prod\nport=6432\r\nbogus=1\n\n[ dev ]\ndbname=devdb\n');
  assert.equal([...services.keys()], ['prod', 'dev']);
  assert.equal(services.get('prod'), { host: 'db.prod', port: 6432 });
  assert.equal(services.get('dev'), { dbname: 'devdb' });
});

const spec = { host: 'db', port: 5432, dbname: 'app', user: 'alice' };

test('lookupPgpass: the first matching line wins; wildcards match anything', () => {
  const text = '# comment\nother:5432:app:alice:no\ndb:5432:app:alice:exact\n*:*:*:*:fallback\n';
  assert.is(lookupPgpass(text, spec), 'exact');
  assert.is(lookupPgpass(text, { ...spec, dbname: 'zzz' }), 'fallback');
  assert.is(lookupPgpass('db:5432:app:bob:x\n', spec), undefined);
  assert.is(lookupPgpass('db:*:*:alice:wild\n', { ...spec, port: 6000 }), 'wild');
});

test('lookupPgpass: escaped colons and backslashes in fields and password', () => {
  assert.is(lookupPgpass('db:5432:a\\:b:alice:pa\\:ss\\\\word\n', { ...spec, dbname: 'a:b' }), 'pa:ss\\word');
  assert.is(lookupPgpass('*:*:*:*:x:y:z\r\n', spec), 'x:y:z');
});

test('lookupPgpass: a socket directory matches "localhost"', () => {
  assert.is(lookupPgpass('localhost:5432:app:alice:sock\n', { ...spec, host: '/var/run/postgresql' }), 'sock');
  assert.is(lookupPgpass('/var/run/postgresql:5432:app:alice:x\n', { ...spec, host: '/var/run/postgresql' }), undefined);
});

test('resolveConnection: defaults are the OS user, its database, socket dir or localhost, 5432, prefer, pgv', () => {
  assert.equal(resolveConnection([], sources()), {
    host: 'localhost', port: 5432, user: 'osuser', dbname: 'osuser', sslmode: 'prefer', application_name: 'pgv',
  });
  assert.is(resolveConnection([], sources({ defaultSocketDir: '/tmp' })).host, '/tmp');
});

test('resolveConnection: PG* environment fills the gaps, explicit options win over it', () => {
  const env = { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGDATABASE: 'envdb', PGSSLMODE: 'require', PGPASSWORD: 'envpw', PGAPPNAME: 'a', PGCONNECT_TIMEOUT: '3' };
  assert.equal(resolveConnection([], sources({ env })), {
    host: 'envhost', port: 6000, user: 'envuser', dbname: 'envdb', sslmode: 'require', application_name: 'a', password: 'envpw', connect_timeout: 3, passwordFrom: 'PGPASSWORD',
  });
  const r = resolveConnection([{ host: 'h' }, { dbname: 'x' }], sources({ env }));
  assert.equal([r.host, r.dbname, r.user], ['h', 'x', 'envuser']);
});

test('resolveConnection: later layers win; a layer\'s own fields win over its url', () => {
  const r = resolveConnection([{ host: 'a', user: 'u1' }, { url: 'postgres://u2@b:7000/db', port: 7001 }], sources());
  assert.equal([r.host, r.user, r.port, r.dbname], ['b', 'u2', 7001, 'db']);
});

test('resolveConnection: a service sits between explicit options and the environment', () => {
  const serviceFiles = [{ file: '/home/u/.pg_service.conf', text: '[prod]\nhost=svc\nport=6432\ndbname=svcdb\n' }];
  const env = { PGHOST: 'envhost', PGUSER: 'envuser', PGPORT: '1111' };
  const r = resolveConnection([{ service: 'prod', dbname: 'mine' }], sources({ env, serviceFiles }));
  assert.equal([r.host, r.port, r.dbname, r.user], ['svc', 6432, 'mine', 'envuser']);
  const viaEnv = resolveConnection([], sources({ env: { PGSERVICE: 'prod' }, serviceFiles }));
  assert.is(viaEnv.host, 'svc');
});

test('resolveConnection: an unknown service is connection_failed naming the files', () => {
  const serviceFiles = [{ file: '/etc/pg_service.conf', text: '[other]\nhost=x\n' }];
  const err = throwsPgv(() => resolveConnection([{ service: 'prod' }], sources({ serviceFiles })), 'connection_failed', /^service "prod" is not defined in any pg_service\.conf$/);
  assert.match(err.hint ?? '', /Define \[prod\] in \/etc\/pg_service\.conf/);
});

test('resolveConnection: .pgpass is used only when no password is given, matched on the resolved target', () => {
  const pgpass = 'localhost:5432:osuser:osuser:frompgpass\n';
  assert.is(resolveConnection([], sources({ pgpass, defaultSocketDir: '/tmp' })).password, 'frompgpass');
  assert.is(resolveConnection([{ password: 'given' }], sources({ pgpass })).password, 'given');
  assert.is(resolveConnection([], sources({ pgpass, env: { PGPASSWORD: 'env' } })).password, 'env');
  assert.not.ok('password' in resolveConnection([{ dbname: 'other' }], sources({ pgpass })));
});

test('resolveConnection: the result is frozen; withDatabase changes only the database', () => {
  const r = resolveConnection([{ password: 'pw' }], sources());
  assert.ok(Object.isFrozen(r));
  const other = withDatabase(r, 'postgres');
  assert.equal({ ...other, dbname: r.dbname }, { ...r });
  assert.is(other.dbname, 'postgres');
});

test('redactUrl masks passwords in URLs and keyword strings, nothing else', () => {
  assert.is(redactUrl('postgresql://alice:s3cret@db:5432/app'), 'postgresql://alice:***@db:5432/app');
  assert.is(redactUrl('connect to postgres://:pw@h/x now'), 'connect to postgres://:***@h/x now');
  assert.is(redactUrl("host=h password='a b\\' c' dbname=x"), 'host=h password=*** dbname=x');
  assert.is(redactUrl('PGPASSWORD=hunter2'), 'PGPASSWORD=***');
  assert.is(redactUrl('postgres://alice@db/app'), 'postgres://alice@db/app');
});

test('describeConnection shows user@host:port/db, brackets a socket, never the password', () => {
  const r = resolveConnection([{ host: '/var/run/postgresql', user: 'u', password: 'hunter2', dbname: 'd' }], sources());
  assert.is(describeConnection(r), 'u@[/var/run/postgresql]:5432/d');
  const tcp = resolveConnection([{ url: 'postgres://u:hunter2@h:6000/d' }], sources());
  assert.is(describeConnection(tcp), 'u@h:6000/d');
});

test.run();
