/**
 * Reading pg_dump's and pg_restore's `--verbose` stderr: what they are working on (progress) and,
 * when they fail, which lines are their errors rather than chatter. Pure.
 */

/**
 * A stderr line without the program's "pg_restore: " prefixes, and whether it had one. Parallel
 * workers share stderr, and PostgreSQL writes the prefix and the message separately, so lines
 * interleave as "pg_restore: pg_restore: creating A" followed by a bare "creating B".
 */
function unprefixed(program: string, line: string): { text: string; prefixed: boolean } {
  const prefix = new RegExp(`^(\\s*${program}:\\s*)+`);
  const m = prefix.exec(line);
  return { text: (m ? line.slice(m[0].length) : line).trim(), prefixed: m !== null };
}

/** Messages of --verbose mode (progress), as opposed to errors and the SQL they quote. */
const chatter = /^(creating|executing|processing|launching|finished|dropping|dumping|reading|finding|saving|flagging|identifying|last built-in|entering|connecting|disabling|enabling|setting|restoring|implied data-only restore)\b/;

/**
 * The object a pg_restore `--verbose` line reports as restored, or undefined. Every entry of the
 * table of contents prints exactly one such line ("creating TABLE …", "processing data for
 * table …", "executing SEQUENCE SET …"), serial or parallel, so counting them counts entries.
 */
export function restoredObject(line: string): string | undefined {
  const { text } = unprefixed('pg_restore', line);
  const created = /^(?:creating|executing) (.+)$/.exec(text);
  if (created) return created[1]!.replace(/"/g, '');
  const data = /^processing data for table "(.+)"$/.exec(text);
  return data ? `TABLE DATA ${data[1]}` : undefined;
}

/** What a pg_dump `--verbose` line says it is doing ("dumping contents of table …"), or undefined. */
export function dumpActivity(line: string): string | undefined {
  const { text, prefixed } = unprefixed('pg_dump', line);
  if (!text || !(prefixed || chatter.test(text)) || /^(error|warning|detail|hint|fatal):/.test(text)) return undefined;
  return text.replace(/"/g, '');
}

/**
 * The lines of a failed run worth showing: the program's errors with their context ("while
 * PROCESSING TOC", "Command was: …") but not its `--verbose` progress lines; at most `max`,
 * the last ones (where the failure is).
 */
export function failureLines(program: string, stderr: string, max = 30): string[] {
  const lines: string[] = [];
  for (const raw of stderr.split('\n')) {
    const { text, prefixed } = unprefixed(program, raw);
    if (text === '' || chatter.test(text)) continue;
    if (prefixed && !/^(error|warning|detail|hint|fatal):|^while PROCESSING TOC:|^from TOC entry/.test(text)) continue;
    lines.push(prefixed ? `${program}: ${text}` : raw.trimEnd());
  }
  return lines.length > max ? [`… (${lines.length - max} earlier lines)`, ...lines.slice(-max)] : lines;
}

/** One error pg_restore reported and ignored (without --exit-on-error): its message and statement. */
export interface IgnoredError {
  readonly message: string;
  readonly command: string;
}

/** The errors in pg_restore's stderr ("error: could not execute query: …" then "Command was: …"). */
export function restoreErrors(stderr: string): IgnoredError[] {
  const out: Array<{ message: string; command: string }> = [];
  let current: { message: string; command: string } | undefined;
  for (const raw of stderr.split('\n')) {
    const { text, prefixed } = unprefixed('pg_restore', raw);
    if (prefixed || chatter.test(text)) {
      const m = /^error: (.*)$/.exec(text);
      current = m ? { message: m[1]!.replace(/^could not execute query: /, '').replace(/^ERROR:\s+/, ''), command: '' } : undefined;
      if (current) out.push(current);
      continue;
    }
    if (!current) continue;
    const c = /^Command was: (.*)$/.exec(raw);
    if (c) current.command = c[1]!;
    else if (current.command) current.command += `\n${raw}`;
    else current.message += `\n${raw}`;
  }
  return out.map((e) => ({ message: e.message.trim(), command: e.command.trim() }));
}

/**
 * Is this statement part of `--clean`'s drop phase? Those may fail harmlessly: pg_restore drops
 * a partition's inherited primary key before its parent's ("cannot drop inherited constraint").
 */
export function isDropStatement(command: string): boolean {
  return /^DROP\s/i.test(command) || /^ALTER\s[\s\S]*\sDROP\s/i.test(command);
}
