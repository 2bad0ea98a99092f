/**
 * `pgv test-and-upgrade PART` (and `pgv apply --test-first`): the rehearsal of lib/rehearse/ for
 * one part; over several parts, one rehearsal per shape and then the rollout (lib/fleet/).
 */
import type { EventSink } from '../exec/events.js';
import { eventRenderer } from '../report/progress.js';
import { phaseLines, renderRehearsal } from '../report/rehearsal.js';
import { comparisonOptions, rehearse, type RehearseOptions } from '../rehearse/rehearse.js';
import { loadProjectConfig, selectPart, selectParts } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv test-and-upgrade`. */
export interface TestAndUpgradeArgs extends RehearseOptions {
  /** One part (apply --test-first, trace). */
  readonly part?: string;
  /** The parts named on the command line (all when empty); more than one rehearses per shape. */
  readonly parts?: readonly string[];
  /** Over several parts: databases read and upgraded at once. */
  readonly concurrency?: number;
  /** `--format markdown` (pgv trace): the trace as a table. */
  readonly format?: 'text' | 'markdown';
}

/** Run `pgv test-and-upgrade PART…`. */
export async function testAndUpgradeCommand(g: Globals, args: TestAndUpgradeArgs): Promise<CommandResult> {
  const config = await loadProjectConfig(g);
  // One part (apply --test-first, trace) must name one; the command line may name a template, a glob or several.
  const parts = args.part !== undefined ? [await selectPart(config, args.part, g)] : await selectParts(config, args.parts ?? [], g);
  for (const part of parts) comparisonOptions(part, args.comparison); // bad kinds are reported before anything connects
  const [run, inner] = await Promise.all([eventRenderer(g), eventRenderer(g, 'inner')]);
  // The phases as lines on stderr (unless -q or --json-lines, which carries them as events).
  const quiet = g.quiet || g.jsonLines;
  const phases: EventSink = quiet ? () => undefined : phaseLines(g.progressStream);
  const ctx = { env: g.env, ...(g.notice ? { notice: g.notice } : {}), onEvent: (e: Parameters<EventSink>[0]) => (phases(e), run.onEvent(e)), onInnerEvent: inner.onEvent };
  try {
    if (parts.length === 1) return renderRehearsal(await rehearse(config, parts[0]!, ctx, args), g.verbose, args.format);
    const [{ rehearseShapes }, { renderFleetRehearsal }] = await Promise.all([import('../fleet/rehearse-shapes.js'), import('../report/rehearsal-fleet.js')]);
    const fleet = await rehearseShapes(config, parts, ctx, {
      ...args,
      concurrency: args.concurrency ?? 4,
      onShape: (i, n, shape) => {
        if (!quiet) g.progressStream.write(`── shape ${i}/${n}: version ${shape.version ?? 'none'}, ${shape.members.length} database${shape.members.length === 1 ? '' : 's'}, represented by ${shape.members[0]!.label}\n`);
      },
    });
    return renderFleetRehearsal(fleet, g.verbose);
  } finally {
    await Promise.all([run.close(), inner.close()]);
  }
}
