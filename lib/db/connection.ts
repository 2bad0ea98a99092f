/**
 * Connection settings the libpq way: URLs, keyword strings, pg_service.conf, the PG* environment
 * and ~/.pgpass, resolved into one ConnectionSpec. Pure: files and the environment come in as
 * parameters (`readConnectionSources` in sources.ts is the edge that reads them).
 */
import type { ConnectionOptions } from '../config/types.js';
import { PgvError } from '../errors.js';

/** Everything needed to open a connection; `password` is never printed (see `describeConnection`). */
export interface ConnectionSpec {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  readonly dbname: string;
  readonly sslmode: string;
  readonly application_name: string;
  readonly connect_timeout?: number;
  /** Where the password came from (`${env:X}` in FILE, PGPASSWORD, ~/.pgpass…), for messages. */
  readonly passwordFrom?: string;
}

/** What the libpq environment offers: variables and the contents of the files it names. */
export interface ConnectionSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Contents of the pg_service.conf files, most specific first. */
  readonly serviceFiles: ReadonlyArray<{ file: string; text: string }>;
  /** Contents of the password file, if any. */
  readonly pgpass?: string;
  /** The OS user name (libpq's default role). */
  readonly osUser: string;
  /** The socket directory libpq would use when no host is given, if one exists. */
  readonly defaultSocketDir?: string;
}

const keywordAliases: Record<string, keyof ConnectionOptions> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  dbname: 'dbname',
  sslmode: 'sslmode',
  service: 'service',
  application_name: 'application_name',
  connect_timeout: 'connect_timeout',
};

/**
 * Parse a CONN argument: a postgres:// URL, a libpq keyword string (`host=x dbname=y`), or a bare
 * database name.
 */
export function parseConnectionString(text: string): ConnectionOptions {
  const trimmed = text.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return parseUrl(trimmed);
  if (/^[A-Za-z_]+\s*=/.test(trimmed)) return parseKeywords(trimmed);
  return { dbname: trimmed };
}

function parseUrl(text: string): ConnectionOptions {
  // Parsed by hand: WHATWG URL rejects what libpq accepts (an empty host with ?host=/socket/dir).
  const m = /^postgres(?:ql)?:\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/i.exec(text);
  const invalid = () =>
    new PgvError('usage', `not a valid connection URL: ${redactUrl(text)}`, {
      hint: 'Write postgresql://user@host:5432/dbname, or a keyword string such as "host=localhost dbname=app".',
    });
  if (!m) throw invalid();
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      throw invalid();
    }
  };
  const out: Record<string, string | number> = {};
  const authority = m[1] ?? '';
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = decode(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (user) out.user = user;
    if (colon >= 0) out.password = decode(userinfo.slice(colon + 1));
  }
  const hostport = authority.slice(at + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  if (!hp) throw invalid();
  const host = decode(hp[1]!.replace(/^\[(.*)\]$/, '$1'));
  if (host) out.host = host;
  if (hp[2]) out.port = Number(hp[2]);
  const db = decode(m[2] ?? '');
  if (db) out.dbname = db;
  for (const pair of (m[3] ?? '').split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const k = decode(eq >= 0 ? pair.slice(0, eq) : pair);
    const v = decode((eq >= 0 ? pair.slice(eq + 1) : '').replace(/\+/g, ' '));
    const key = keywordAliases[k];
    if (key) out[key] = key === 'port' || key === 'connect_timeout' ? Number(v) : v;
  }
  return out as ConnectionOptions;
}

/** libpq keyword/value pairs: `key=value`, values optionally single-quoted with \' and \\. */
function parseKeywords(text: string): ConnectionOptions {
  const out: Record<string, string | number> = {};
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  while (true) {
    skipSpace();
    if (i >= text.length) break;
    const start = i;
    while (i < text.length && /[A-Za-z_]/.test(text[i]!)) i++;
    const key = text.slice(start, i);
    skipSpace();
    if (!key || text[i] !== '=') {
      throw new PgvError('usage', `malformed connection string near "${text.slice(start, start + 20)}"`, {
        hint: 'Write key=value pairs separated by spaces, for example "host=localhost port=5432 dbname=app".',
      });
    }
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (text[i] !== "'") throw new PgvError('usage', 'unterminated quoted value in connection string');
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i++];
      }
    }
    const name = keywordAliases[key];
    if (!name) {
      throw new PgvError('usage', `unknown connection keyword "${key}"`, {
        hint: `Known keywords: ${Object.keys(keywordAliases).join(', ')}.`,
      });
    }
    out[name] = name === 'port' || name === 'connect_timeout' ? Number(value) : value;
  }
  return out as ConnectionOptions;
}

/** Parse pg_service.conf text into its sections. */
export function parseServiceFile(text: string): Map<string, ConnectionOptions> {
  const services = new Map<string, ConnectionOptions>();
  let current: Record<string, string | number> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = {};
      services.set(section[1]!.trim(), current as ConnectionOptions);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !current) continue;
    const key = keywordAliases[line.slice(0, eq).trim()];
    const value = line.slice(eq + 1).trim();
    if (key) current[key] = key === 'port' || key === 'connect_timeout' ? Number(value) : value;
  }
  return services;
}

/** Find the password for a connection in .pgpass text (hostname:port:database:username:password). */
export function lookupPgpass(text: string, spec: { host: string; port: number; dbname: string; user: string }): string | undefined {
  // libpq matches socket connections against "localhost".
  const host = spec.host.startsWith('/') ? 'localhost' : spec.host;
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const fields = splitPgpassLine(line);
    if (fields.length < 5) continue;
    const [h, p, d, u] = fields;
    const match = (pattern: string, value: string) => pattern === '*' || pattern === value;
    if (match(h!, host) && match(p!, String(spec.port)) && match(d!, spec.dbname) && match(u!, spec.user)) {
      return fields.slice(4).join(':');
    }
  }
  return undefined;
}

function splitPgpassLine(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':' && fields.length < 4) {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

/**
 * Resolve layered options (most specific last) into a ConnectionSpec with libpq precedence:
 * explicit options, then the service they name, then PG* variables, then defaults, then .pgpass.
 */
export function resolveConnection(layers: readonly ConnectionOptions[], sources: ConnectionSources): ConnectionSpec {
  let explicit: ConnectionOptions = {};
  let explicitFrom: string | undefined;
  for (const layer of layers) {
    const expanded = layer.url ? { ...parseConnectionString(layer.url), ...withoutUrl(layer) } : layer;
    if (expanded.password !== undefined) explicitFrom = layer.passwordFrom ?? (layer.url ? 'the connection string' : 'the config');
    explicit = { ...explicit, ...defined(expanded) };
  }
  const env = sources.env;
  const serviceName = explicit.service ?? env.PGSERVICE;
  let service: ConnectionOptions = {};
  if (serviceName) {
    const found = sources.serviceFiles.map((f) => parseServiceFile(f.text).get(serviceName)).find(Boolean);
    if (!found) {
      throw new PgvError('connection_failed', `service "${serviceName}" is not defined in any pg_service.conf`, {
        hint: sources.serviceFiles.length
          ? `Define [${serviceName}] in ${sources.serviceFiles.map((f) => f.file).join(' or ')}.`
          : 'Create ~/.pg_service.conf (or set PGSERVICEFILE) with a [' + serviceName + '] section.',
      });
    }
    service = found;
  }
  const fromEnv: ConnectionOptions = defined({
    host: env.PGHOST,
    port: env.PGPORT ? Number(env.PGPORT) : undefined,
    user: env.PGUSER,
    password: env.PGPASSWORD,
    dbname: env.PGDATABASE,
    sslmode: env.PGSSLMODE,
    application_name: env.PGAPPNAME,
    connect_timeout: env.PGCONNECT_TIMEOUT ? Number(env.PGCONNECT_TIMEOUT) : undefined,
  });
  const merged = { ...fromEnv, ...defined(service), ...explicit };
  const user = merged.user ?? sources.osUser;
  const host = merged.host ?? sources.defaultSocketDir ?? 'localhost';
  const port = merged.port ?? 5432;
  const dbname = merged.dbname ?? user;
  const password = merged.password ?? (sources.pgpass ? lookupPgpass(sources.pgpass, { host, port, dbname, user }) : undefined);
  const passwordFrom =
    explicit.password !== undefined ? explicitFrom : service.password !== undefined ? `service "${serviceName}" in pg_service.conf` : fromEnv.password !== undefined ? 'PGPASSWORD' : password !== undefined ? 'the password file (~/.pgpass or PGPASSFILE)' : undefined;
  return Object.freeze({
    host,
    port,
    user,
    dbname,
    sslmode: merged.sslmode ?? 'prefer',
    application_name: merged.application_name ?? 'pgv',
    ...(password !== undefined ? { password } : {}),
    ...(passwordFrom !== undefined ? { passwordFrom } : {}),
    ...(merged.connect_timeout !== undefined ? { connect_timeout: merged.connect_timeout } : {}),
  });
}

/** A connection for humans and logs: never the password. */
export function describeConnection(spec: ConnectionSpec): string {
  const host = spec.host.startsWith('/') ? `[${spec.host}]` : spec.host;
  return `${spec.user}@${host}:${spec.port}/${spec.dbname}`;
}

/** The same connection to another database (for CREATE DATABASE, snapshots, throwaway copies). */
export function withDatabase(spec: ConnectionSpec, dbname: string): ConnectionSpec {
  return Object.freeze({ ...spec, dbname });
}

/** Replace any password inside a URL or keyword string by `***`. */
export function redactUrl(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
}

function withoutUrl(o: ConnectionOptions): ConnectionOptions {
  const { url: _url, ...rest } = o;
  return defined(rest);
}

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(typeof v === 'number' && Number.isNaN(v)))) as T;
}
