/**
 * Cancellation of the work on the server. A command runs inside a scope bound to an AbortSignal
 * (the CLI aborts it on SIGINT/SIGTERM; a library caller passes its own). Every session opened
 * inside the scope registers here; when the signal aborts, each session that has a query in
 * flight sends the server a cancel request for it (again, until its queries have settled: a
 * cancel that reaches a backend between two pipelined queries is ignored by the server), and
 * every later query or connection in the scope is refused with an `interrupted` error, so
 * nothing queued behind the cancelled statement runs. Cleanup that must still reach the server
 * (dropping throwaway databases, reading what the ledger holds now) runs in `shielded`.
 *
 * The scope travels with the async context (AsyncLocalStorage), so no function between the
 * command and the session has to pass it along. No `pg` here: sessions register as Cancellable.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { PgvError } from '../errors.js';

/** A session as the scope sees it. */
export interface Cancellable {
  /** Database and backend pid, for the message of a second interrupt. */
  readonly label: string;
  /** Is a query of this session waiting for the server's answer? */
  busy(): boolean;
  /** Ask the server to cancel the running statement (a protocol cancel request). */
  cancel(): Promise<void>;
  /** Resolves when no query of this session is waiting for an answer. */
  settled(): Promise<void>;
}

/** The scope of one command run. */
interface Scope {
  readonly signal: AbortSignal;
  readonly sessions: Set<Cancellable>;
}

const storage = new AsyncLocalStorage<Scope | undefined>();
/** The scopes by signal, for the CLI, which holds the signal but runs outside the scope. */
const scopes = new WeakMap<AbortSignal, Scope>();
/** How often a cancel request is repeated while a session still has queries in flight. */
const resendMs = 150;

/** Run `fn` so that aborting `signal` cancels the statements its sessions run. */
export function withCancellation<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { signal, sessions: new Set() };
  scopes.set(signal, scope);
  const onAbort = () => {
    for (const session of scope.sessions) if (session.busy()) void cancelUntilSettled(session);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return storage.run(scope, fn).finally(() => signal.removeEventListener('abort', onAbort));
}

/** Run `fn` outside any scope: its sessions are not cancelled (cleanup after an interrupt). */
export function shielded<T>(fn: () => Promise<T>): Promise<T> {
  return storage.run(undefined, fn);
}

/** Has the current scope been interrupted? */
export function interrupted(): boolean {
  return storage.getStore()?.signal.aborted === true;
}

/** The current scope's signal (for programs pgv runs: pg_dump, pg_restore, psql). */
export function currentSignal(): AbortSignal | undefined {
  return storage.getStore()?.signal;
}

/**
 * Register a session with the current scope (no-op outside one); returns the function that
 * unregisters it. Throws `interrupted` when the scope is already interrupted.
 */
export function register(session: Cancellable): () => void {
  const scope = storage.getStore();
  if (!scope) return () => undefined;
  if (scope.signal.aborted) throw interruptedError(session.label);
  scope.sessions.add(session);
  return () => scope.sessions.delete(session);
}

/** The sessions of the scope of `signal` that still have a query in flight (for a second Ctrl-C). */
export function stillRunning(signal: AbortSignal): string[] {
  return [...(scopes.get(signal)?.sessions ?? [])].filter((s) => s.busy()).map((s) => s.label);
}

/** The error of anything refused or cancelled because the command was interrupted (exit 130). */
export function interruptedError(what: string, cause?: unknown): PgvError {
  return new PgvError('interrupted', `interrupted: ${what}`, { hint: 'Run the command again to continue.', ...(cause !== undefined ? { cause } : {}) });
}

/** Is `e` the error of an interrupt? */
export function isInterrupted(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'interrupted' && (e as Error).name === 'PgvError';
}

async function cancelUntilSettled(session: Cancellable): Promise<void> {
  const settled = session.settled();
  let done = false;
  void settled.then(() => (done = true));
  while (!done && session.busy()) {
    await session.cancel().catch(() => undefined);
    await Promise.race([settled, new Promise((r) => setTimeout(r, resendMs))]);
  }
}
