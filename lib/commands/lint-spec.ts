/** `pgv lint`: its options, help and adapter (see spec.ts). */
import { reportFormat, type CommandSpec } from './spec.js';

/** The spec of `pgv lint`. */
export const lintSpec: CommandSpec = {
  name: 'lint',
  summary: 'lint the scripts apply would run: squawk\'s rules on the PostgreSQL parse tree',
  usage: 'pgv lint [PART...] [FILE...] [--all] [--format text|markdown]',
  options: { all: { type: 'boolean' }, format: { type: 'string' } },
  help: [
    '  PART                the scripts the part would run next (its database is read, nothing changes)',
    '  FILE                script files (a part\'s script gets its variables and lint settings)',
    '    --all             every script of the parts, not only the pending ones (no database needed)',
    '    --format F        text (default) or markdown: a table per script, for a pull-request comment',
    '  Each finding: file:line:col, the rule (squawk\'s ids, pgv-…, syntax-error), why it hurts, and',
    '  the safe rewrite. Silence a statement with `-- squawk-ignore RULE[,RULE]` or',
    '  `-- pgv:lint-ignore RULE` on the line before it; choose rules and levels with the part option',
    '  `lint:`. `pgv plan` shows the findings beside each step; `pgv apply` refuses error-level',
    '  findings unless --allow-lint-errors.',
  ],
  examples: [
    { args: 'lint app', does: 'the scripts part app would run next' },
    { args: 'lint app --all --json', does: 'every script of part app, as JSON' },
    { args: 'lint app --all --format markdown', does: 'the same as Markdown tables' },
  ],
  exitCodes: {
    0: 'no finding at error level (warnings may be printed)',
    1: 'a finding at error level',
    2: 'bad usage, invalid config or unknown part or file',
    3: 'a part\'s database could not be read',
  },
  load: () => import('./lint.js'),
  run: async (g, v, targets) => (await import('./lint.js')).lintCommand(g, { targets, all: v.all === true, format: reportFormat(v) }),
};
