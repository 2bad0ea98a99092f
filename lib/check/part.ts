/** `check PART`: a part's database against a fresh build of its scripts (the reference, dropped afterwards). */
import type { Config } from '../config/types.js';
import { describeConnection } from '../db/connection.js';
import type { EventSink } from '../exec/events.js';
import { assertPartDatabase, connectionFor, ensureServer, selectPart, type Environment } from '../targets/context.js';
import { compareDatabases } from './check.js';
import type { Comparison } from './model.js';
import { checkOptionsFor, type CheckRequest } from './options.js';

/** What a part check returns: the comparison, how to name both sides, and the reference build's warnings. */
export interface PartCheck {
  readonly result: Comparison;
  readonly databases: { readonly db1: string; readonly db2: string };
  readonly warnings: readonly string[];
}

/** Compare part `name`'s database with a reference built from its scripts; `onEvent` sees the build's steps. */
export async function checkPart(config: Config, name: string, request: CheckRequest, ctx: Environment & { readonly onEvent?: EventSink }): Promise<PartCheck> {
  const part = await selectPart(config, name, ctx);
  // The apply engine loads only for a reference build, not for two named databases.
  const { assertReferenceable, withReference } = await import('../rehearse/reference.js');
  assertReferenceable(part);
  const options = checkOptionsFor(request, [part.upgradesTable], part);
  await ensureServer(config, ctx);
  const db1 = await connectionFor(config, part, ctx);
  await assertPartDatabase(part, db1);
  let db2 = '';
  const { value: result, warnings } = await withReference(config, part, { env: ctx.env, ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}) }, (reference) => {
    db2 = `${describeConnection(reference.spec)} (a fresh build of part ${part.name}, dropped afterwards)`;
    return compareDatabases(db1, reference.spec, options);
  });
  return { result, databases: { db1: `${describeConnection(db1)} (part ${part.name})`, db2 }, warnings };
}
