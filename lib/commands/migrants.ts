/**
 * Habits people bring from pum, odb and psql, and pgv's way for each: a command word pgv does not
 * have (`upgrade`, odb's `init`) and pum's short check options (`-p1 A -p2 B -i views triggers`).
 * Pure: argv in, the command line to suggest out.
 */

/** Command words of the older tools → pgv's command (words kept after it). */
const commandAliases: Readonly<Record<string, { pgv: string; from: string }>> = {
  upgrade: { pgv: 'apply', from: "pum's `upgrade`" },
  migrate: { pgv: 'apply', from: '`migrate`' },
  test: { pgv: 'test-and-upgrade', from: "pum's `test`" },
  init: { pgv: 'snapshot init', from: "odb's `init`" },
  commit: { pgv: 'snapshot commit', from: "odb's `commit`" },
  revert: { pgv: 'snapshot revert', from: "odb's `revert`" },
  log: { pgv: 'snapshot log', from: "odb's `log`" },
  tag: { pgv: 'snapshot tag', from: "odb's `tag`" },
  purge: { pgv: 'snapshot purge', from: "odb's `purge`" },
  diff: { pgv: 'check', from: '`diff`' },
  status: { pgv: 'info', from: '`status`' },
};

/** For an unknown command word that another tool has: what to say and the pgv command line. */
export function commandAlias(word: string, rest: readonly string[]): { from: string; pgv: string; suggestion: string } | undefined {
  const alias = Object.hasOwn(commandAliases, word) ? commandAliases[word] : undefined;
  if (!alias) return undefined;
  return { from: alias.from, pgv: alias.pgv, suggestion: ['pgv', alias.pgv, ...rest.map(shellWord)].join(' ') };
}

// pum's check options and pgv's: -p1/-p2 take one value, -i and -P one or more (argparse nargs='+').
const pumCheckOptions: Readonly<Record<string, { pgv: string; many: boolean }>> = {
  '-p1': { pgv: '--db1', many: false },
  '-p2': { pgv: '--db2', many: false },
  '-i': { pgv: '--ignore', many: true },
  '-P': { pgv: '--exclude-column', many: true },
  '--exclude-field-pattern': { pgv: '--exclude-column', many: true },
  '-s': { pgv: '--exclude-schema', many: true },
};

/**
 * When `pgv check`'s arguments use pum's spelling (`-p1 A -p2 B -i views triggers`), the pum
 * options found and the same check in pgv's spelling; undefined when they are pgv's already.
 */
export function pumCheckRewrite(args: readonly string[], command: 'check' | 'test-and-upgrade' = 'check'): { found: string[]; suggestion: string } | undefined {
  const found: string[] = [];
  const out: string[] = [];
  // test-and-upgrade shares check's comparison options (-i, -P); pum's connection options are check's own.
  const known = command === 'check' ? pumCheckOptions : Object.fromEntries(Object.entries(pumCheckOptions).filter(([k]) => k === '-i' || k === '-P' || k === '--exclude-field-pattern'));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const o = Object.hasOwn(known, a) ? known[a] : undefined;
    if (!o) {
      out.push(a);
      continue;
    }
    found.push(a);
    const values: string[] = [];
    while (i + 1 < args.length && !args[i + 1]!.startsWith('-') && (o.many || values.length === 0)) values.push(args[++i]!);
    if (o.pgv === '--exclude-column') for (const v of values) out.push(o.pgv, v);
    else out.push(o.pgv, values.join(','));
  }
  // `-s` alone is not pum's unless another pum option is there (pgv has no -s either way).
  if (!found.some((f) => f !== '-s')) return undefined;
  return { found, suggestion: ['pgv', command, ...out.map(shellWord)].join(' ') };
}

/** A word as the shell would need it written. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_%@:,./=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
