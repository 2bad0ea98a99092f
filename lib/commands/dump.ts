/** `pgv dump PART | --db CONN -f FILE`: pg_dump of one database, credentials in the environment. */
import { dumpFormats, type DumpFormat } from '../dump/archive.js';
import { dumpDatabase } from '../dump/dump.js';
import { usageError } from '../errors.js';
import { progressLine } from '../exec/progress-line.js';
import { dumpProgressText, dumpStartText, renderDumpJson, renderDumpText } from '../report/dump.js';
import { closest } from '../util/suggest.js';
import { dumpTarget } from '../targets/dump-target.js';
import { lineStyle } from './interrupt.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv dump`. */
export interface DumpArgs {
  readonly parts: readonly string[];
  readonly db?: string;
  readonly file?: string;
  readonly format?: string;
  readonly jobs?: number;
  readonly schemaOnly: boolean;
  /** Schema patterns, each possibly a comma-separated list. */
  readonly excludeSchemas: readonly string[];
}

/** Run `pgv dump`. */
export async function dumpCommand(g: Globals, args: DumpArgs): Promise<CommandResult> {
  if (!args.file) throw usageError('pgv dump needs -f FILE (the dump to write)', 'Example: pgv dump app -f app.dump (custom format; .sql gives plain SQL, .tar a tar archive).');
  const format = parseFormat(args.format);
  const spec = await dumpTarget(g, 'dump', args.parts, args.db);
  const line = progressLine({ style: lineStyle(g), stream: g.progressStream, every: g.verbose });
  try {
    const result = await dumpDatabase(spec, args.file!, {
      ...(format ? { format } : {}),
      ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
      schemaOnly: args.schemaOnly,
      excludeSchemas: args.excludeSchemas.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean),
      env: g.env,
      onStart: ({ tool, format: f }) => line.update(dumpStartText(spec.dbname, tool, f), true),
      onProgress: (activity) => line.update(dumpProgressText(spec.dbname, activity)),
    });
    return { exitCode: 0, text: renderDumpText(result), json: renderDumpJson(result) };
  } finally {
    line.done();
  }
}

function parseFormat(text: string | undefined): DumpFormat | undefined {
  if (text === undefined) return undefined;
  const found = dumpFormats.find((f) => f === text || f[0] === text); // pg_dump's one-letter forms: c, d, p, t
  if (found) return found;
  const guess = closest(text, dumpFormats);
  throw usageError(`unknown dump format "${text}"`, `${guess ? `Did you mean ${guess}? ` : ''}Formats: ${dumpFormats.join(', ')}.`);
}
