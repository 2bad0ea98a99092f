/** `pgv test-and-upgrade`: its options, help and adapter (see spec.ts). */
import { usageError } from '../errors.js';
import { comparisonHelp, comparisonOptions } from './check-spec.js';
import { listOf, positiveInt, type CommandSpec } from './spec.js';

/** The spec of `pgv test-and-upgrade`. */
export const testAndUpgradeSpec: CommandSpec = {
  name: 'test-and-upgrade',
  summary: 'rehearse an upgrade on a copy, compare with a fresh build, then upgrade',
  usage: 'pgv test-and-upgrade [PART...] [--copy auto|template|dump] [--keep] [--lock-timeout SECONDS]\n' +
    '                            [--concurrency N]\n' +
    '                            [--trace] [--ignore KIND,...] [--include KIND,...]\n' +
    '                            [--exclude-schema S,...] [--exclude-column PATTERN]\n' +
    '                            [--column-order] [--ignore-generated-names]',
  options: { copy: { type: 'string' }, concurrency: { type: 'string' }, keep: { type: 'boolean' }, 'lock-timeout': { type: 'string' }, trace: { type: 'boolean' }, ...comparisonOptions },
  help: [
    '    --copy auto|template|dump  how production is copied: CREATE DATABASE … TEMPLATE (needs it',
    '                               idle) or pg_dump | pg_restore; auto (default) takes the template',
    '                               when nobody is connected',
    '    --keep                     keep the copy and the reference for inspection (names printed)',
    '    --lock-timeout S           seconds to wait for another pgv on production (default 60)',
    '    --trace                    run the scripts on the copy one statement at a time, and report',
    '                               locks, rewrites and lock hold times (as pgv trace); the part\'s',
    '                               lint.max_lock_ms fails the rehearsal (exit 1)',
    '    --concurrency N            over several parts: databases read and upgraded at once',
    '                               (default 4)',
    '  Over several parts (all when none is named), the databases are grouped into shapes (same',
    '  scripts, version and schema fingerprint, as pgv info --fleet): each shape is rehearsed once,',
    '  on a copy of its first member, then the members of the shapes that passed are upgraded;',
    '  the members of a shape that failed or differed are listed and not touched.',
    '  The comparison of the upgraded copy with the fresh build takes pgv check\'s options, over the',
    '  part\'s ignore, exclude_schemas and exclude_columns:',
    ...comparisonHelp,
  ],
  examples: [
    { args: 'test-and-upgrade app', does: 'rehearse part app on a copy, then upgrade it' },
    { args: 'test-and-upgrade app --ignore views --exclude-column usr_%', does: 'compare less' },
    { args: 'test-and-upgrade --concurrency 8', does: 'every part: one rehearsal per shape, then all' },
  ],
  exitCodes: {
    0: 'rehearsed and production upgraded (or nothing pending); over several parts: every shape',
    1: 'the upgraded copy differs from a fresh build, or --trace saw a lock held longer than the\n' +
      '       part\'s lint.max_lock_ms (production untouched either way); over several parts: some\n' +
      '       shape did (its members untouched, the others upgraded)',
    2: 'bad usage, invalid config or unknown part',
    3: 'a script failed on the copy (production untouched), or another failure; over several\n' +
      '       parts: some shape\'s did, or a database could not be read or upgraded',
  },
  load: () => import('./test-and-upgrade.js'),
  run: async (g, v, pos) => {
    const copy = typeof v.copy === 'string' ? v.copy : 'auto';
    if (copy !== 'auto' && copy !== 'template' && copy !== 'dump') throw usageError(`--copy must be auto, template or dump, not "${copy}"`);
    const lockTimeoutMs = positiveInt(v['lock-timeout'], '--lock-timeout', 60, true) * 1000;
    const concurrency = positiveInt(v.concurrency, '--concurrency', 4);
    const comparison = {
      ignore: listOf(v, 'ignore'),
      include: listOf(v, 'include'),
      excludeSchemas: listOf(v, 'exclude-schema'),
      excludeColumns: listOf(v, 'exclude-column'),
      columnOrder: v['column-order'] === true,
      ignoreGeneratedNames: v['ignore-generated-names'] === true,
    };
    return (await import('./test-and-upgrade.js')).testAndUpgradeCommand(g, { parts: pos, concurrency, copy, keep: v.keep === true, lockTimeoutMs, comparison, trace: v.trace === true });
  },
};
