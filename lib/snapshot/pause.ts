/**
 * A test hook for the crash tests: with PGV_TEST_PAUSE_AT=<point> (e.g. `revert:swapped`), pgv
 * stops at that point of commit or revert, writes its pid to PGV_TEST_PAUSE_FILE when set, and
 * waits there until it is killed (or, with a pause file, until the file is removed). Points: commit:journaled, commit:copied, revert:journaled,
 * revert:copied, revert:swapped, revert:dropped. Without the variable it does nothing.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import type { PauseHook } from './admin.js';

/** The hook the environment asks for. */
export function pauseHookFrom(env: Readonly<Record<string, string | undefined>>): PauseHook {
  const at = env.PGV_TEST_PAUSE_AT;
  if (!at) return async () => undefined;
  return async (point) => {
    if (point !== at) return;
    // Written whole, then renamed: a test that sees the file sees its content (no empty read).
    const file = env.PGV_TEST_PAUSE_FILE;
    if (file) {
      writeFileSync(`${file}.tmp`, `${process.pid} ${point}\n`);
      renameSync(`${file}.tmp`, file);
    }
    // Wait for SIGKILL, or (with a pause file) until the test removes the file; the timer keeps
    // the event loop (and the server sessions) alive.
    await new Promise<void>((resume) => {
      const timer = setInterval(() => {
        if (file && !existsSync(file)) {
          clearInterval(timer);
          resume();
        }
      }, 50);
    });
  };
}
