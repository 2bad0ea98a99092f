/**
 * Retrying a transactional script that hit `ddl_lock_timeout` (SQLSTATE 55P03), in a fresh
 * transaction, after a pause with exponential backoff and jitter. While pgv waits in the lock
 * queue, every query on the table waits behind it, but never longer than one `ddl_lock_timeout`;
 * between tries the queue is free. Pure, except for the random jitter passed in.
 */
import { isPgvError } from '../errors.js';

/** First pause and the longest pause between tries, in ms. */
const basePauseMs = 100;
const maxPauseMs = 1000;
/** What the default number of retries covers: at least this long of another session blocking. */
export const defaultCoverMs = 10_000;

/** The pause before retry `n` (1-based): base·2^(n-1), capped, times a jitter factor in [0.5, 1). */
export function retryPauseMs(n: number, random: () => number = Math.random): number {
  const capped = Math.min(maxPauseMs, basePauseMs * 2 ** Math.min(n - 1, 20));
  return Math.round(capped * (0.5 + random() / 2));
}

/**
 * The default number of retries for a `ddl_lock_timeout` of `timeoutMs`: enough that the tries
 * (each waits up to the timeout) and the shortest pauses between them add up to `defaultCoverMs`.
 * Without a timeout, a lock is waited for as long as it takes and nothing is retried.
 */
export function defaultRetries(timeoutMs: number): number {
  if (timeoutMs <= 0) return 0;
  let covered = timeoutMs;
  let n = 0;
  while (covered < defaultCoverMs) {
    n++;
    covered += Math.min(maxPauseMs, basePauseMs * 2 ** (n - 1)) / 2 + timeoutMs;
  }
  return n;
}

/** Is this the failure of a script that ran into `lock_timeout`? */
export function isLockTimeout(e: unknown): boolean {
  return isPgvError(e) && e.data.sqlstate === '55P03';
}
