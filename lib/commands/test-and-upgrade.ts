/** `pgv test-and-upgrade PART` (and `pgv apply --test-first`): the rehearsal of lib/rehearse/ for one part. */
import type { EventSink } from '../exec/events.js';
import { eventRenderer } from '../report/progress.js';
import { phaseLines, renderRehearsal } from '../report/rehearsal.js';
import { comparisonOptions, rehearse, type RehearseOptions } from '../rehearse/rehearse.js';
import { loadProjectConfig, selectPart } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv test-and-upgrade`. */
export interface TestAndUpgradeArgs extends RehearseOptions {
  readonly part: string;
  /** `--format markdown` (pgv trace): the trace as a table. */
  readonly format?: 'text' | 'markdown';
}

/** Run `pgv test-and-upgrade PART`. */
export async function testAndUpgradeCommand(g: Globals, args: TestAndUpgradeArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  const part = await selectPart(config, args.part, g);
  comparisonOptions(part, args.comparison); // bad kinds are reported before anything connects
  const [run, inner] = await Promise.all([eventRenderer(g), eventRenderer(g, 'inner')]);
  // The phases as lines on stderr (unless -q or --json-lines, which carries them as events).
  const phases: EventSink = g.quiet || g.jsonLines ? () => undefined : phaseLines(g.progressStream);
  try {
    const r = await rehearse(config, part, { env: g.env, onEvent: (e) => (phases(e), run.onEvent(e)), onInnerEvent: inner.onEvent }, args);
    return renderRehearsal(r, g.verbose, args.format);
  } finally {
    await Promise.all([run.close(), inner.close()]);
  }
}
