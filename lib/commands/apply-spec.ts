/** `pgv apply`: its options, help and adapter (see spec.ts). */
import { positiveInt, listOf, stringOpt, type CommandSpec } from './spec.js';
import { usageError } from '../errors.js';
import { parseShard } from '../fleet/shard.js';

/** The spec of `pgv apply`. */
export const applySpec: CommandSpec = {
  name: 'apply',
  summary: 'bring the parts\' databases to the state their scripts describe',
  usage: 'pgv apply [PART...] [--dry-run] [--test-first] [--to VERSION] [--accept-changed SCRIPT]\n' +
    '                 [--concurrency N] [--lock-timeout SECONDS] [--no-snapshot] [--allow-lint-errors]\n' +
    '                 [--shard I/N] [--no-journal]\n' +
    '       pgv apply --plan FILE\n' +
    '       pgv apply --resume [RUN] [--dry-run]',
  options: {
    'dry-run': { type: 'boolean' },
    'test-first': { type: 'boolean' },
    to: { type: 'string' },
    'accept-changed': { type: 'string', multiple: true },
    concurrency: { type: 'string' },
    'lock-timeout': { type: 'string' },
    'no-snapshot': { type: 'boolean' },
    'allow-lint-errors': { type: 'boolean' },
    plan: { type: 'string' },
    shard: { type: 'string' },
    resume: { type: 'boolean' },
    'no-journal': { type: 'boolean' },
  },
  help: [
    '    --dry-run                print the plan instead of running it (same as pgv plan)',
    '    --test-first             rehearse each part on a copy first, as pgv test-and-upgrade does',
    '    --to VERSION             stop at VERSION (a generation, or a delta version such as 1.2.0)',
    '    --accept-changed SCRIPT  accept the new content of an applied script that changed',
    '                             (PART:SCRIPT for one part; repeatable); recorded, nothing runs',
    '    --no-snapshot            skip the snapshot of parts with `snapshot: before-apply` this once',
    '    --concurrency N          parts applied at once where `after` allows (default 4)',
    '    --lock-timeout S         seconds to wait for another pgv on the same database (default 60)',
    '    --allow-lint-errors      run the scripts even when `pgv lint` finds errors in them',
    '    --shard I/N              only shard I of N of the parts (a fleet over N CI jobs): a part\'s',
    '                             shard is 1 + sha256(SERVER/DBNAME, or its name) mod N, the same',
    '                             everywhere; the N shards together cover every part once',
    '    --plan FILE              run exactly the plan `pgv plan -o FILE` saved, or nothing: refused',
    '                             when a script file, the ledger or the catalog moved since (exit 3);',
    '                             a plan whose steps the ledger already records runs nothing (exit 0)',
    '    --resume [RUN]           continue a killed run: the parts its journal shows finished are',
    '                             skipped (not connected to), every other part of it is planned and',
    '                             applied as usual; RUN is a run id or a journal file (default: the',
    '                             newest run of this config); with --dry-run: what would run',
    '    --no-journal             do not record this run in .pgv/runs/',
    '',
    '  The journal: every apply records its parts and steps, as they happen, in',
    '  .pgv/runs/RUN.ndjson beside the config (no passwords; the newest 50 are kept). Where that',
    '  folder cannot be written (a read-only image) the run goes on without one, with a warning.',
  ],
  examples: [
    { args: 'apply --dry-run', does: 'print what would run' },
    { args: 'apply --plan plan.json', does: 'run the saved plan, if nothing moved since' },
    { args: 'apply app', does: 'run part app\'s pending scripts' },
    { args: 'apply --shard 1/2 --dry-run', does: 'what the first of two CI jobs would run' },
    { args: 'apply --resume --dry-run', does: 'what continuing the last run would do' },
  ],
  exitCodes: {
    0: 'applied (or already up to date; --plan FILE: also when the plan was already applied)',
    1: 'lint found an error-level problem in a pending script (nothing ran; see --allow-lint-errors),\n' +
      '       or with --test-first: a rehearsal differs from a fresh build (production untouched)',
    2: 'bad usage, invalid config or unknown part; --plan FILE: not a saved plan, another format,\n' +
      '       edited by hand, or made for another config (nothing ran)',
    3: 'a script failed, a precondition vetoed, a lock was not acquired, or a changed script\n' +
      '       (a fleet: any database failed, or its server could not be reached);\n' +
      '       --plan FILE: a script file, the ledger or the catalog moved since the plan, or the plan\n' +
      '       was partly applied (nothing ran)',
  },
  load: () => import('./apply.js'),
  run: async (g, v, positionals) => {
    const resume = v.resume === true;
    if (resume && positionals.length > 1) throw usageError(`--resume takes one run (id or journal file), not ${positionals.length}: ${positionals.join(' ')}`, 'A resumed run takes its parts from its journal: pgv apply --resume [RUN].');
    const parts = resume ? [] : positionals;
    return (await import('./apply.js')).applyCommand(g, {
      parts,
      dryRun: v['dry-run'] === true,
      acceptChanged: listOf(v, 'accept-changed'),
      ...stringOpt(v, 'to', 'to'),
      concurrency: positiveInt(v.concurrency, '--concurrency', 4),
      lockTimeoutMs: positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000,
      noSnapshot: v['no-snapshot'] === true,
      testFirst: v['test-first'] === true,
      allowLintErrors: v['allow-lint-errors'] === true,
      ...stringOpt(v, 'plan', 'plan'),
      ...(typeof v.shard === 'string' ? { shard: parseShard(v.shard) } : {}),
      ...(resume ? { resume: positionals[0] ?? true } : {}),
      noJournal: v['no-journal'] === true,
    });
  },
};
