/** `pgv baseline PART --version V`: record V as applied without running any script. */
import { usageError } from '../errors.js';
import { eventRenderer } from '../report/progress.js';
import { renderRunReport } from '../report/run.js';
import { baselineConfig } from '../run/apply.js';
import { loadProjectConfig } from '../targets/context.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv baseline`. */
export interface BaselineArgs {
  readonly parts: string[];
  readonly version: string | undefined;
  readonly lockTimeoutMs: number;
}

/** Run `pgv baseline`. */
export async function baselineCommand(g: Globals, args: BaselineArgs): Promise<CommandResult> {
  if (args.parts.length !== 1) throw usageError('pgv baseline takes exactly one part', 'Usage: pgv baseline PART --version V');
  if (args.version === undefined) throw usageError('pgv baseline needs --version V', 'Usage: pgv baseline PART --version V (the version the database is at now).');
  const config = await loadProjectConfig(g);
  const renderer = await eventRenderer(g);
  try {
    const outcome = await baselineConfig(config, { part: args.parts[0]!, version: args.version, lockTimeoutMs: args.lockTimeoutMs, onEvent: renderer.onEvent }, g);
    const report = renderRunReport(outcome, g.verbose);
    if (!outcome.recorded) return { ...report, text: `${outcome.part.name} (${outcome.part.dbname}): already at version ${outcome.version}; nothing recorded.` };
    // Say what the baseline settled: the no-transaction script apply refused on.
    const settled = outcome.result.parts.flatMap((p) => p.steps.flatMap((s) => (s.status === 'done' && s.step.kind === 'baseline' && s.step.settles ? [`${p.name}: ${s.step.settles}`] : [])));
    return settled.length ? { ...report, text: `${report.text}\n${settled.join('\n')}` } : report;
  } finally {
    await renderer.close();
  }
}
