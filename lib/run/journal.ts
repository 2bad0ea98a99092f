/**
 * The run journal: what an apply run did, part by part and step by step, as NDJSON in
 * `.pgv/runs/<run-id>.ndjson` beside the config, so that `apply --resume` can continue a run that
 * was killed. The journal is a consumer of the executor's event stream (an EventSink, like the
 * renderers): its first line describes the run (id, config, parts), every other line is one event
 * with the time it happened. Each line is one write(2) of its own, so a kill -9 loses at most the
 * line being written, and a torn last line is tolerated on read. Secrets never reach the file:
 * every line is redacted (password keys, URL passwords) and the config's passwords are scrubbed.
 * Only the newest `keptJournals` journals are kept.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config/types.js';
import { PgvError, usageError } from '../errors.js';
import type { EventSink, RunEvent } from '../exec/events.js';
import { redact } from '../util/redact.js';
import { parseConnectionString } from '../db/connection.js';

/** The journal's line format; a journal of another format is refused on resume. */
export const journalFormat = 1;

/** How many journals `.pgv/runs/` keeps (the newest; older ones are removed when a run starts). */
export const keptJournals = 50;

/** The first line of a journal: which run of which config, over which parts. */
export interface JournalHeader {
  readonly type: 'run';
  readonly format: number;
  /** The run id (also the file name, without `.ndjson`). */
  readonly run: string;
  /** When the run started (ISO 8601). */
  readonly at: string;
  readonly pgv: string;
  readonly pid: number;
  /** The config file (absolute). */
  readonly config: string;
  /** True when the run selected every part of the config (no PART arguments). */
  readonly all: boolean;
  /** The parts of the run, in the config's order (a resumed run: also those finished before). */
  readonly parts: readonly { readonly part: string; readonly database: string }[];
  /** The run this one resumes. */
  readonly resumes?: string;
  /** Parts the resumed run(s) had finished: skipped by this run, finished all the same. */
  readonly finished_before?: readonly string[];
  /** `--to` of the run. */
  readonly to?: string;
  /** `--accept-changed` of the run. */
  readonly accept_changed?: readonly string[];
}

/** What the caller says of a run when its journal starts (the rest of the header is the journal's). */
export type JournalStart = Omit<JournalHeader, 'type' | 'format' | 'at' | 'pid' | 'config' | 'run'> & { readonly run?: string };

/** An event as the journal holds it: the event and when it happened. */
export type JournalEvent = RunEvent & { readonly at: string };

/** A journal read back. */
export interface Journal {
  readonly file: string;
  readonly header: JournalHeader;
  readonly events: readonly JournalEvent[];
  /** The last line was cut short (the run was killed while writing it): left out. */
  readonly torn: boolean;
}

/** The folder of the journals of runs of `config`: `.pgv/runs/` beside the config file. */
export function runsDir(config: Pick<Config, 'root'>): string {
  return path.join(config.root, '.pgv', 'runs');
}

/** A new run id: the UTC time to the millisecond (so ids sort by start) and a random suffix (runs started at once). */
export function newRunId(now: Date = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').replace('Z', '');
  return `${t}-${randomBytes(3).toString('hex')}`;
}

/** A journal being written. */
export interface JournalWriter {
  readonly run: string;
  readonly file: string;
  /** Record an event (the executor's sink; errors writing stop the journal, with one warning). */
  readonly onEvent: EventSink;
}

/**
 * Start the journal of a run: write its header, prune old journals. Returns null (and says why
 * through `warn`) when the folder cannot be written: a read-only project (a config mounted from a
 * Kubernetes ConfigMap) runs without a journal rather than not at all.
 */
export function openJournal(config: Config, header: JournalStart, options: { readonly env?: Readonly<Record<string, string | undefined>>; readonly warn: (message: string) => void; readonly now?: () => Date }): JournalWriter | null {
  const now = options.now ?? (() => new Date());
  const run = header.run ?? newRunId(now());
  const dir = runsDir(config);
  const file = path.join(dir, `${run}.ndjson`);
  const clean = scrubber(secretsOf(config, options.env ?? {}));
  let fd: number;
  try {
    makeRunsDir(dir);
    pruneJournals(dir, keptJournals - 1);
    fd = openSync(file, 'wx', 0o600);
    const first: JournalHeader = { type: 'run', format: journalFormat, ...header, run, at: now().toISOString(), pid: process.pid, config: config.file };
    writeSync(fd, `${clean(first)}\n`);
  } catch (e) {
    options.warn(`no run journal (apply --resume will not know this run): cannot write ${file}: ${(e as Error).message}`);
    return null;
  }
  let open = true;
  const onEvent: EventSink = (event) => {
    if (!open) return;
    try {
      writeSync(fd, `${clean({ at: now().toISOString(), ...event })}\n`);
      if (event.type === 'run-finished') {
        open = false;
        closeSync(fd);
      }
    } catch (e) {
      open = false;
      options.warn(`the run journal ${file} stopped: ${(e as Error).message}`);
    }
  };
  return { run, file, onEvent };
}

/** `.pgv/` (kept out of version control, as the embedded server keeps it) and `runs/` in it. */
function makeRunsDir(dir: string): void {
  const pgvDir = path.dirname(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ignore = path.join(pgvDir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
}

/** Remove all but the newest `keep` journals of the folder (ids sort by start time). */
export function pruneJournals(dir: string, keep: number): void {
  const files = journalFiles(dir);
  for (const f of files.slice(0, Math.max(0, files.length - keep))) rmSync(path.join(dir, f), { force: true });
}

/** The journal file names of a folder, oldest first. */
function journalFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.ndjson')).sort();
  } catch {
    return [];
  }
}

/** The passwords a run could know: the config's (every part's connection) and PGPASSWORD. */
function secretsOf(config: Config, env: Readonly<Record<string, string | undefined>>): string[] {
  const found = new Set<string>();
  for (const c of [config.connection, ...config.parts.map((p) => p.connection)]) {
    if (c.password) found.add(c.password);
    if (c.url) {
      try {
        const password = parseConnectionString(c.url).password;
        if (password) found.add(password);
      } catch {
        // Not a URL pgv can read: redact() still masks what looks like one.
      }
    }
  }
  if (env.PGPASSWORD) found.add(env.PGPASSWORD);
  return [...found].filter((s) => s.length >= 3);
}

/** JSON of a value with secrets masked: password keys and URL passwords (redact), and known passwords anywhere. */
function scrubber(secrets: readonly string[]): (value: unknown) => string {
  return (value) => {
    let text = JSON.stringify(redact(value));
    for (const s of secrets) {
      const json = JSON.stringify(s).slice(1, -1);
      if (text.includes(json)) text = text.split(json).join('***');
    }
    return text;
  };
}

/** Read a journal; a torn last line is left out, any other bad line is an error naming the file and line. */
export function readJournal(file: string): Journal {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read the run journal ${file}: ${(e as Error).message}`, 'Give a run id from .pgv/runs/ (the file name without .ndjson) or the path of a journal.');
  }
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  if (endsClean) lines.pop();
  const parsed: unknown[] = [];
  let torn = false;
  lines.forEach((line, i) => {
    try {
      parsed.push(JSON.parse(line));
    } catch {
      if (i === lines.length - 1 && !endsClean && i > 0) torn = true;
      else throw new PgvError('usage', `the run journal ${file} is damaged: line ${i + 1} is not JSON`, { hint: 'A journal is written line by line; only its last line can be cut short by a kill. Resume another run, or run `pgv apply`.' });
    }
  });
  const header = parsed[0] as Partial<JournalHeader> | undefined;
  if (!header || header.type !== 'run' || typeof header.run !== 'string' || !Array.isArray(header.parts)) {
    throw usageError(`${file} is not a pgv run journal`, 'Journals are the .ndjson files in .pgv/runs/ beside the config.');
  }
  if (header.format !== journalFormat) throw usageError(`the run journal ${file} has format ${String(header.format)}; this pgv reads format ${journalFormat}`, 'Resume it with the pgv that wrote it, or run `pgv apply`.');
  return { file, header: header as JournalHeader, events: parsed.slice(1) as JournalEvent[], torn };
}

/**
 * The journal `--resume RUN` names: a path to a file, or a run id in the config's `.pgv/runs/`;
 * without RUN, the newest journal of this config file (several configs may share the folder).
 * No such journal: a usage error (asked to resume, pgv does not guess what to run).
 */
export function findJournal(config: Config, run: string | undefined, cwd: string = process.cwd()): Journal {
  const dir = runsDir(config);
  if (run !== undefined) {
    const asPath = path.resolve(cwd, run);
    if (run.includes('/') || run.endsWith('.ndjson')) return readJournal(existsSync(asPath) ? asPath : path.join(dir, path.basename(run)));
    const file = path.join(dir, `${run}.ndjson`);
    if (!existsSync(file)) {
      const ids = journalFiles(dir).map((f) => f.slice(0, -'.ndjson'.length));
      // `apply --resume app`: a part's name, not a run's.
      if (config.parts.some((p) => p.name === run || p.template === run) || (config.templates ?? []).some((t) => t.name === run)) {
        throw usageError(`--resume takes a run id, and "${run}" is a part: a resumed run takes its parts from its journal`, `Run \`pgv apply --resume\` (the newest run) or \`pgv apply --resume RUN\`${ids.length ? ` (runs kept, newest last: ${ids.slice(-5).join(', ')})` : ''}; or \`pgv apply ${run}\` for a new run of that part.`);
      }
      throw usageError(`no run "${run}" in ${dir}`, ids.length ? `Runs kept there, newest last: ${ids.slice(-5).join(', ')}. Or run \`pgv apply --resume\` for the newest.` : 'No run was recorded there: run `pgv apply`.');
    }
    return readJournal(file);
  }
  for (const f of journalFiles(dir).reverse()) {
    const journal = readJournalOrNull(path.join(dir, f));
    if (journal?.header.config === config.file) return journal;
  }
  throw usageError(`no run of ${config.file} to resume: ${dir} holds no journal of it`, 'Journals are written by `pgv apply` (unless --no-journal, or the folder is read-only); run `pgv apply`.');
}

function readJournalOrNull(file: string): Journal | null {
  try {
    return readJournal(file);
  } catch {
    return null;
  }
}
