/**
 * A part's reference database: a fresh build of its scripts in a throwaway database, through the
 * same engine as `pgv apply` (a copy of the part with another dbname and `create: true`), dropped
 * afterwards. Used by `pgv check PART` and by the rehearsal of `pgv test-and-upgrade` (rehearse.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Config, Part } from '../config/types.js';
import { PgvError, isPgvError } from '../errors.js';
import type { ConnectionSpec } from '../db/connection.js';
import { byteLength, maxIdentifierBytes, truncateUtf8 } from '../db/ident.js';
import { dropDatabaseForce } from '../db/databases.js';
import { shielded } from '../db/cancel.js';
import { connectionFor, type Environment } from '../targets/context.js';
import { preparePlan, readScripts, type PrepareOptions } from '../run/pipeline.js';
import { readReferenceScripts } from '../recipes/reference.js';
import { planReferenceFiles } from '../plan/plan-reference.js';
import type { ScriptSet } from '../recipes/types.js';
import type { EventSink } from '../exec/events.js';

/** Where a reference is built: the environment, and who receives the events of its build. */
export interface ReferenceContext extends Environment {
  readonly onEvent?: EventSink;
}

/** A built reference database. */
export interface Reference {
  /** The copy of the part that built it (its dbname is the throwaway database). */
  readonly part: Part;
  readonly spec: ConnectionSpec;
  /** Drop the database (terminating any session left on it). Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Throw unless pgv can build a reference for the part (so callers can fail before connecting):
 * its scripts must read without problems. A schema part's reference is init.sql; a deltas
 * part's is its `reference:` files, or all its deltas from an empty database.
 */
export function assertReferenceable(part: Part): void {
  referenceScripts(part);
}

/** The scripts that build a part's reference. */
function referenceScripts(part: Part): ScriptSet {
  const scripts = readScripts(part);
  return part.recipe === 'deltas' && part.reference.length ? readReferenceScripts(part, scripts.latest ?? '0') : scripts;
}

/**
 * The name of a throwaway database of `dbname`: `<dbname>_pgv_<what>_<8 hex>`, the dbname cut (at a
 * character boundary) so that the whole fits PostgreSQL's 63 bytes. throwaway-sweep.ts finds the
 * leftovers of interrupted runs by this shape.
 */
export function throwawayName(dbname: string, what: 'ref' | 'rehearsal', suffix = randomBytes(4).toString('hex')): string {
  const tail = `_pgv_${what}_${suffix}`;
  return truncateUtf8(dbname, maxIdentifierBytes - byteLength(tail)) + tail;
}

/** `<dbname>_pgv_ref_<8 hex>`: the reference database of a part. */
export function referenceName(dbname: string, suffix?: string): string {
  return throwawayName(dbname, 'ref', suffix);
}

/**
 * Build the reference of `part`: create a throwaway database and run the part's scripts into it
 * (init.sql for a schema part). On failure the database is dropped and the script's error thrown.
 * The caller drops it when done (or use withReference, which also drops it when interrupted).
 */
export async function buildReference(config: Config, part: Part, g: ReferenceContext): Promise<Reference> {
  const reference = await referenceTarget(config, part, g);
  await populate(config, reference, g);
  return reference;
}

/** The reference's name, part copy, connection and drop: nothing is created yet. */
async function referenceTarget(config: Config, part: Part, g: Environment): Promise<Reference> {
  assertReferenceable(part);
  const dbname = referenceName(part.dbname);
  const copy: Part = Object.freeze({ ...part, dbname, create: true, snapshot: false, after: Object.freeze([]) });
  const spec = await connectionFor(config, copy, g);
  // Dropped also after an interrupt (which cancelled what built it): outside the cancellation scope.
  return { part: copy, spec, drop: once(() => shielded(() => dropDatabase(spec))) };
}

/** Create the reference database and run the part's scripts into it, with the apply engine. */
async function populate(config: Config, reference: Reference, g: ReferenceContext): Promise<void> {
  try {
    const files = reference.part.recipe === 'deltas' && reference.part.reference.length > 0;
    await runPartCopy(config, reference.part, g, `building the reference of part ${reference.part.name}`, files ? { scripts: referenceScripts, planner: planReferenceFiles } : {});
  } catch (e) {
    await reference.drop().catch(() => undefined);
    throw e;
  }
}

/**
 * Run a copy of a part (another dbname) through the apply engine, its events to `g.onEvent`; a
 * failed script is thrown as a PgvError prefixed with `what` ("building the reference of …").
 */
export async function runPartCopy(config: Config, copy: Part, g: ReferenceContext, what: string, options: PrepareOptions = {}): Promise<void> {
  const { plan, prepared } = await preparePlan(config, [copy], g, options);
  const [{ executePlan }, { PartJob }] = await Promise.all([import('../exec/executor.js'), import('../exec/part-job.js')]);
  const result = await executePlan(plan, () => new PartJob({ ...prepared.get(copy.name)!, lockTimeoutMs: 60_000, env: g.env }), { concurrency: 1, ...(g.onEvent ? { onEvent: g.onEvent } : {}) });
  const failed = result.parts.find((p) => p.status === 'failed');
  if (!failed) return;
  const e = failed.error;
  if (!isPgvError(e)) throw e;
  // The caller drops the throwaway database it ran into; the interrupt touched nothing else.
  if (e.code === 'interrupted') throw new PgvError('interrupted', `interrupted: ${what} was cancelled; its throwaway database ${copy.dbname} is dropped, nothing else was changed`, { cause: e });
  throw new PgvError(e.code, `${what} failed: ${e.message}`, {
    ...(e.hint ? { hint: e.hint } : {}),
    details: [...e.detailLines],
    data: { ...e.data, part: copy.name, database: copy.dbname },
    cause: e,
  });
}

/**
 * Build the reference, run `fn` with it, drop it whatever happens: on success, on error, and on
 * SIGINT/SIGTERM (the interrupt cancels the build or the comparison, which then fails like any error).
 * A failed drop after a successful `fn` becomes a warning rather than losing `fn`'s result.
 */
export async function withReference<T>(config: Config, part: Part, g: ReferenceContext, fn: (reference: Reference) => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const reference = await referenceTarget(config, part, g);
  let value: T;
  try {
    await populate(config, reference, g);
    value = await fn(reference);
  } catch (e) {
    await reference.drop().catch(() => undefined);
    throw e;
  }
  try {
    await reference.drop();
    return { value, warnings: [] };
  } catch (e) {
    return { value, warnings: [`pgv: warning: could not drop the reference database "${reference.spec.dbname}": ${(e as Error)?.message ?? e}; drop it by hand.`] };
  }
}

/** DROP DATABASE … WITH (FORCE) from a maintenance database. */
function dropDatabase(spec: ConnectionSpec): Promise<void> {
  return dropDatabaseForce(spec, spec.dbname);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
