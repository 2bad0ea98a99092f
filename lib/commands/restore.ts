/** `pgv restore PART | --db CONN -f FILE`: a dump into an empty (or --clean) database. */
import { restoreDatabase } from '../dump/restore.js';
import { usageError } from '../errors.js';
import { progressLine } from '../exec/progress-line.js';
import { renderRestoreJson, renderRestoreText, restoreProgressText, restoreStartText } from '../report/dump.js';
import { dumpTarget } from '../targets/dump-target.js';
import { lineStyle } from './interrupt.js';
import type { CommandResult, Globals } from './types.js';

/** Options of `pgv restore`. */
export interface RestoreArgs {
  readonly parts: readonly string[];
  readonly db?: string;
  readonly file?: string;
  readonly jobs?: number;
  readonly create: boolean;
  readonly clean: boolean;
  /** pg_restore --no-owner: objects belong to the user restoring. */
  readonly noOwner?: boolean;
  /** pg_restore --role (SET ROLE for plain SQL). */
  readonly role?: string;
}

/** Run `pgv restore`. */
export async function restoreCommand(g: Globals, args: RestoreArgs): Promise<CommandResult> {
  if (!args.file) throw usageError('pgv restore needs -f FILE (the dump to read)', 'Example: pgv restore --db app_copy --create -f app.dump');
  const spec = await dumpTarget(g, 'restore', args.parts, args.db);
  const line = progressLine({ style: lineStyle(g), stream: g.progressStream, every: g.verbose });
  let total: number | undefined;
  try {
    const result = await restoreDatabase(spec, args.file!, {
      ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
      create: args.create,
      clean: args.clean,
      ...(args.noOwner ? { noOwner: true } : {}),
      ...(args.role !== undefined ? { role: args.role } : {}),
      env: g.env,
      onStart: (info) => {
        total = info.total;
        line.update(restoreStartText(args.file!, spec.dbname, info), true);
      },
      onProgress: (done, object) => line.update(restoreProgressText(spec.dbname, done, total, object)),
    });
    return {
      exitCode: 0,
      text: renderRestoreText(result),
      json: renderRestoreJson(result),
      errors: result.warnings.map((w) => `pgv: warning: ${w}`),
    };
  } finally {
    line.done();
  }
}
