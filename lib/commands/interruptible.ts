/**
 * The signal scope of one command run: the first SIGINT or SIGTERM aborts it (db/cancel.ts then
 * cancels the running statements, and the command ends saying what it left); a second one is
 * passed to `onAgain` with what may still be running on the server, for the CLI to say and exit.
 */

/** A command run under SIGINT/SIGTERM; `aborted()` tells afterwards whether a signal came. */
export async function runInterruptible<T>(run: () => Promise<T>, onAgain: (stillRunning: readonly string[]) => void): Promise<{ value?: T; error?: unknown; aborted: boolean }> {
  const { withCancellation, stillRunning } = await import('../db/cancel.js');
  const controller = new AbortController();
  const onSignal = () => (controller.signal.aborted ? onAgain(stillRunning(controller.signal)) : controller.abort());
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return { value: await withCancellation(controller.signal, run), aborted: controller.signal.aborted };
  } catch (error) {
    return { error, aborted: controller.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
