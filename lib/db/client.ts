/**
 * Talking to PostgreSQL: the one home of `pg`. Opens connections from a ConnectionSpec, maps
 * connection failures to PgvErrors that never contain the password, and offers the scoped
 * helper the rest of pgv uses (withClient).
 */
import { restoreNavigator } from './pg-probe.js'; // must come before pg
import pg from 'pg';
import { PgvError } from '../errors.js';
import { describeConnection, type ConnectionSpec } from './connection.js';
import { currentSignal, interrupted, interruptedError, register } from './cancel.js';

restoreNavigator();

/** A server-reported error, as plain data (SQLSTATE, position, detail, hint). */
export interface ServerError {
  readonly sqlstate: string;
  readonly message: string;
  readonly severity?: string;
  /** 1-based character offset into the query text. */
  readonly position?: number;
  readonly detail?: string;
  readonly hint?: string;
  readonly where?: string;
  /**
   * Statements of a multi-statement query that completed before this error (the server reports
   * each one): where a failing statement without a position is in the query.
   */
  readonly completedStatements?: number;
}

/** An open session. */
export interface Db {
  readonly spec: ConnectionSpec;
  /** Run SQL. Without params a string may hold many statements (simple query protocol). */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
  /** The backend's process id (for pg_stat_activity and pg_terminate_backend). */
  readonly backendPid: number;
  end(): Promise<void>;
}

/** Extract the server's error fields, or undefined when `e` did not come from the server. */
export function serverErrorOf(e: unknown): ServerError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (!(e instanceof pg.DatabaseError) && !(e instanceof Error && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code))) {
    return undefined;
  }
  const d = e as pg.DatabaseError;
  return {
    sqlstate: d.code ?? 'XX000',
    message: d.message,
    ...(d.severity ? { severity: d.severity } : {}),
    ...(d.position ? { position: Number(d.position) } : {}),
    ...(d.detail ? { detail: d.detail } : {}),
    ...(d.hint ? { hint: d.hint } : {}),
    ...(d.where ? { where: d.where } : {}),
    ...(typeof (e as { pgvCompleted?: unknown }).pgvCompleted === 'number' ? { completedStatements: (e as unknown as { pgvCompleted: number }).pgvCompleted } : {}),
  };
}

function sslOption(mode: string): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      // libpq's prefer/allow fall back to plain connections; pg cannot, so they mean no TLS here.
      return false;
  }
}

/** How a session talks to the server. */
export interface SessionOptions {
  /**
   * Send each query at once, without waiting for the answers to those before it (the server still
   * runs them one after the other). Every query keeps its own answer and its own error.
   */
  readonly pipeline?: boolean;
}

/**
 * Open a session; connection failures become PgvErrors (exit 3) naming the target, not the password.
 * Inside a cancellation scope (cancel.ts) an interrupt cancels the session's running statement and
 * refuses its later queries.
 */
export async function connect(spec: ConnectionSpec, options: SessionOptions = {}): Promise<Db> {
  const signal = currentSignal();
  if (signal?.aborted) throw interruptedError(`did not connect to database "${spec.dbname}"`);
  const client = new pg.Client({
    pipeline: options.pipeline === true,
    host: spec.host,
    port: spec.port,
    user: spec.user,
    database: spec.dbname,
    password: spec.password ?? '',
    ssl: sslOption(spec.sslmode),
    application_name: spec.application_name,
    connectionTimeoutMillis: spec.connect_timeout ? spec.connect_timeout * 1000 : 30_000,
  });
  let lost: Error | undefined;
  // An idle connection that drops emits 'error'; keep it for the next query instead of crashing.
  client.on('error', (e) => {
    lost = e;
  });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw connectionError(spec, e);
  }
  const backendPid = (client as unknown as { processID: number }).processID;
  const secretKey = (client as unknown as { secretKey: number }).secretKey;
  // Queries waiting for their answer, and who waits for them all to be answered (cancel.ts).
  let inFlight = 0;
  let idle: Array<() => void> = [];
  const label = `database "${spec.dbname}" (backend pid ${backendPid})`;
  let unregister: () => void;
  try {
    unregister = register({
      label,
      busy: () => inFlight > 0,
      cancel: () => sendCancel(spec, backendPid, secretKey),
      settled: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
    });
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  // Count the statements the server completes in each query (pipelined or not: the server answers
  // in order), and mark a server error with the count, to place errors that carry no position.
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  let completed = 0;
  connection.on('commandComplete', () => completed++);
  connection.on('readyForQuery', () => (completed = 0));
  connection.on('errorMessage', (msg: object) => Object.defineProperty(msg, 'pgvCompleted', { value: completed, enumerable: false, configurable: true }));
  // Pipelined: the queries sent in one tick leave in one write (one system call, one wake-up of the
  // server) instead of one each.
  const stream = options.pipeline ? (client as unknown as { connection: { stream: NodeJS.WritableStream & { cork(): void; uncork(): void } } }).connection.stream : undefined;
  let corked = false;
  const uncork = () => {
    corked = false;
    stream!.uncork();
  };
  return {
    spec,
    backendPid,
    async query<Row>(sql: string, params?: readonly unknown[]) {
      // Refused in an interrupted scope; cleanup in `shielded` may still use the session.
      if (interrupted()) throw interruptedError(`nothing more was sent to ${label}`);
      if (lost) throw lostError(spec, lost);
      if (stream && !corked) {
        corked = true;
        stream.cork();
        process.nextTick(uncork);
      }
      inFlight++;
      try {
        const result = params ? await client.query(sql, params as unknown[]) : await client.query(sql);
        // A multi-statement string yields one result per statement; callers want the last.
        const last = Array.isArray(result) ? result[result.length - 1] : result;
        return { rows: (last?.rows ?? []) as Row[], rowCount: last?.rowCount ?? 0 };
      } catch (e) {
        // Cancelled by the interrupt (57014), or failed behind the cancelled one: the server
        // rolled back the transaction; the error says so and keeps the server's for its position.
        if (signal?.aborted) throw interruptedError(`cancelled the running statement on ${label}; its transaction was rolled back`, e);
        if (serverErrorOf(e)) throw e;
        throw lostError(spec, e);
      } finally {
        if (--inFlight === 0) {
          for (const resolve of idle) resolve();
          idle = [];
        }
      }
    },
    async end() {
      unregister();
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * The protocol's cancel request: a new connection that sends the backend's pid and secret key
 * (no authentication; the server then closes it). The server cancels the statement the backend
 * runs, if any.
 */
function sendCancel(spec: ConnectionSpec, pid: number, secretKey: number): Promise<void> {
  return new Promise((resolve) => {
    const con = new (pg as unknown as { Connection: new () => CancelConnection }).Connection();
    const timer = setTimeout(() => con.stream.destroy(), 2000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    con.on('end', done);
    con.on('error', done);
    con.once('connect', () => con.cancel(pid, secretKey));
    if (spec.host.startsWith('/')) con.connect(`${spec.host}/.s.PGSQL.${spec.port}`);
    else con.connect(spec.port, spec.host);
  });
}

/** The part of pg's (untyped) Connection that sends a cancel request. */
interface CancelConnection extends NodeJS.EventEmitter {
  readonly stream: { destroy(): void };
  connect(port: number | string, host?: string): void;
  cancel(pid: number, secretKey: number): void;
}

/** Run `fn` with a session that is always closed afterwards. */
export async function withClient<T>(spec: ConnectionSpec, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await connect(spec);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

function connectionError(spec: ConnectionSpec, e: unknown): PgvError {
  const server = serverErrorOf(e);
  const target = describeConnection(spec);
  const reason = server ? scrub(server.message, spec) : inWords(spec, e);
  if (server?.sqlstate === '3D000') {
    return new PgvError('database_missing', `database "${spec.dbname}" does not exist (${target})`, {
      hint: 'Create it, or set `create: true` on the part so that `pgv apply` creates it.',
      data: { database: spec.dbname, sqlstate: server.sqlstate },
    });
  }
  const code = (e as NodeJS.ErrnoException)?.code;
  const hint =
    server?.sqlstate === '28P01' || server?.sqlstate === '28000' || isEmptyPassword(e)
      ? 'Check the user and password (config `connection`, PGPASSWORD or ~/.pgpass).'
      : code === 'ECONNREFUSED' || code === 'ENOENT'
        ? 'Is the server running there? For the embedded server: `pgv server start`. Otherwise check host and port (config `connection` or PGHOST/PGPORT).'
        : 'Check the connection settings (config `connection`, PG* variables, pg_service.conf).';
  return new PgvError('connection_failed', `cannot connect to ${target}: ${reason}`, {
    hint,
    data: { target, ...(server ? { sqlstate: server.sqlstate } : {}), ...(code ? { errno: code } : {}) },
  });
}

/** A client-side connection failure in words: never the driver's or Node's text. */
function inWords(spec: ConnectionSpec, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const socket = spec.host.startsWith('/') ? `socket ${spec.host.replace(/\/$/, '')}/.s.PGSQL.${spec.port}` : `${spec.host}:${spec.port}`;
  if (isEmptyPassword(e)) return `the password is empty (${spec.passwordFrom ? `from ${spec.passwordFrom}` : 'none given: config `connection.password`, PGPASSWORD or ~/.pgpass'}); the server asks for one`;
  if (code === 'ENOENT') return `no server listening on socket ${socket.replace(/^socket /, '')} (is it running?)`;
  if (code === 'ECONNREFUSED') return `no server listening on ${socket} (is it running?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `the host name "${spec.host}" is not known (DNS)`;
  if (code === 'EACCES') return `no permission to open the ${socket}`;
  if (code === 'ETIMEDOUT' || /timeout/i.test((e as Error)?.message ?? '')) return `no answer from ${socket} within ${spec.connect_timeout ?? 30} s (connect_timeout)`;
  if (code === 'ECONNRESET' || code === 'EPIPE') return `${socket} closed the connection while it was being opened (is it a PostgreSQL server? does it want SSL?)`;
  if (/self[- ]signed|certificate/i.test((e as Error)?.message ?? '')) return `the server's SSL certificate is not trusted (sslmode ${spec.sslmode})`;
  if (/does not support SSL/i.test((e as Error)?.message ?? '')) return `the server does not accept SSL, and sslmode ${spec.sslmode} requires it`;
  return scrub((e as Error)?.message ?? String(e), spec);
}

/** pg's SCRAM step without a password ("client password must be a (non-empty) string"). */
function isEmptyPassword(e: unknown): boolean {
  return /client password must be a (non-empty )?string/.test((e as Error)?.message ?? '');
}

function lostError(spec: ConnectionSpec, e: unknown): PgvError {
  return new PgvError('connection_failed', `lost the connection to ${describeConnection(spec)}: ${scrub((e as Error)?.message ?? String(e), spec)}`, {
    hint: 'The server closed the session or went away; run the command again once it is back (pgv resumes where it stopped).',
  });
}

/** Remove the password from any text we are about to show, whatever echoed it. */
function scrub(text: string, spec: ConnectionSpec): string {
  return spec.password ? text.split(spec.password).join('***') : text;
}
