import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultCoverMs, defaultRetries, retryPauseMs } from '../../lib/exec/lock-retry.js';

test('pauses double from 0.1 s up to 1 s, with jitter between half and all of it', () => {
  assert.equal([1, 2, 3, 4, 5, 9].map((n) => retryPauseMs(n, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal([1, 2, 5].map((n) => retryPauseMs(n, () => 0)), [50, 100, 500]);
});

test('the default retries cover at least 10 s of blocking, whatever the ddl_lock_timeout', () => {
  for (const timeout of [50, 200, 500, 1000, 3000, 9999, 10_000, 20_000]) {
    const n = defaultRetries(timeout);
    let covered = timeout; // the first try
    for (let k = 1; k <= n; k++) covered += retryPauseMs(k, () => 0) + timeout; // the shortest pauses
    assert.ok(covered >= defaultCoverMs, `${timeout} ms: ${n} retries cover ${covered} ms`);
  }
  assert.is(defaultRetries(500), 11);
  assert.is(defaultRetries(20_000), 0, 'one try of 20 s already covers it');
  assert.is(defaultRetries(0), 0, 'no ddl_lock_timeout: the lock is waited for, nothing to retry');
});

test.run();
