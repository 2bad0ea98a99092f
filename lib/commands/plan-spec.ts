/** `pgv plan`: its options, help and adapter (see spec.ts). */
import { reportFormat, stringOpt, type CommandSpec } from './spec.js';
import { usageError } from '../errors.js';
import { parseShard } from '../fleet/shard.js';

/** The spec of `pgv plan`. */
export const planSpec: CommandSpec = {
  name: 'plan',
  summary: 'show the steps apply would run; changes nothing',
  usage: 'pgv plan [PART...] [-o FILE [--trace]] [--exit-code] [--format text|markdown] [--shard I/N]\n       pgv plan --resume [RUN]',
  options: {
    output: { type: 'string', short: 'o' },
    'exit-code': { type: 'boolean' },
    format: { type: 'string' },
    trace: { type: 'boolean' },
    shard: { type: 'string' },
    resume: { type: 'boolean' },
  },
  help: [
    '  PART               only these parts (default: all); each step with the reason it is needed',
    '  -o, --output FILE  save the plan with what it was computed from (ledger rows, script',
    '                     checksums, catalog hashes); `pgv apply --plan FILE` runs exactly it',
    '      --trace        with -o: trace the pending scripts on a copy (as pgv trace); the locks and',
    '                     rewrites measured go into the saved plan (production untouched)',
    '      --exit-code    exit 1 when steps are pending, 0 when none (a CI gate)',
    '      --format F     text (default) or markdown: a table per part, for a pull-request comment',
    '      --shard I/N    only shard I of N of the parts, as `pgv apply --shard I/N` runs them',
    '      --resume [RUN] what `pgv apply --resume [RUN]` would run: the run\'s unfinished parts',
    '  PART may name a fleet part (for_each): all its TEMPLATE/SERVER/DBNAME parts; or a glob',
    '  --json: {"parts":[{name, database, recipe, current, target, steps, changed}]}',
  ],
  examples: [
    { args: 'plan app', does: 'the steps `pgv apply app` would run' },
    { args: 'plan -o plan.json --format markdown', does: 'save the plan for review; print it as Markdown' },
    { args: 'plan --shard 2/3', does: 'the parts the second of three CI jobs would apply' },
  ],
  exitCodes: {
    0: 'planned (also when steps are pending, unless --exit-code)',
    1: 'with --exit-code: steps are pending',
    2: 'bad usage, invalid config or unknown part',
    3: 'a database could not be read, or an applied script changed (with -o: no plan saved)',
  },
  load: () => import('./plan.js'),
  run: async (g, v, positionals) => {
    const format = reportFormat(v);
    const resume = v.resume === true;
    if (resume && (positionals.length > 1 || v.output !== undefined || v.shard !== undefined)) throw usageError('--resume takes one run (id or journal file), and no -o or --shard', 'pgv plan --resume [RUN] shows what apply --resume would run; save a plan with pgv plan -o FILE.');
    const parts = resume ? [] : positionals;
    const shard = typeof v.shard === 'string' ? { shard: parseShard(v.shard) } : {};
    return (await import('./plan.js')).planCommand(g, { parts, ...stringOpt(v, 'output', 'output'), exitCode: v['exit-code'] === true, format, trace: v.trace === true, ...shard, ...(resume ? { resume: positionals[0] ?? true } : {}) });
  },
};
