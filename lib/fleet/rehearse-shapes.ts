/**
 * `pgv test-and-upgrade` over many parts: the census groups the databases into shapes (same
 * scripts, same version, same schema fingerprint), each shape is rehearsed once on a copy of one
 * of its members (the single-part rehearsal, stopped before production), and then the members
 * of the shapes whose rehearsal passed are upgraded in one run. A shape whose rehearsal failed
 * or differed is reported with its members, and none of them is touched.
 */
import type { Config, Part } from '../config/types.js';
import { isInterrupted } from '../db/cancel.js';
import { PgvError, isPgvError } from '../errors.js';
import { readScripts, preparePlan, runPlan, type RunOutcome } from '../run/pipeline.js';
import { canonicalJson, sha256 } from '../run/fingerprint.js';
import { scriptChecksums } from '../run/saved-plan.js';
import { rehearse, type Rehearsal, type RehearsalContext, type RehearseOptions } from '../rehearse/rehearse.js';
import { takeCensus } from './census.js';
import type { CensusEntry, CensusFailure } from './census-model.js';

/** Databases that one rehearsal stands for. */
export interface Shape {
  readonly version: string | null;
  /** The census fingerprint; null for databases that do not exist. */
  readonly fingerprint: string | null;
  readonly members: readonly CensusEntry[];
}

/** A shape and how its rehearsal went. */
export interface ShapeRehearsal extends Shape {
  /** The member whose copy was rehearsed on. */
  readonly representative: string;
  /** The rehearsal; absent when it could not run (`error`). */
  readonly rehearsal?: Rehearsal;
  /** Why the rehearsal could not run (a missing database, a script directory that moved…). */
  readonly error?: PgvError;
  /** Did it pass: its members are upgraded (or were up to date). */
  readonly passed: boolean;
}

/** What a fleet rehearsal did. */
export interface FleetRehearsal {
  readonly shapes: readonly ShapeRehearsal[];
  /** Databases the census could not read: neither rehearsed nor touched. */
  readonly unreadable: readonly CensusFailure[];
  /** The upgrade of the members of the shapes that passed; absent when none had anything pending. */
  readonly upgrade?: RunOutcome;
}

/** Options of a fleet rehearsal: the single rehearsal's, and how many databases at once. */
export interface FleetRehearseOptions extends RehearseOptions {
  /** Databases read (census) and upgraded at once. */
  readonly concurrency: number;
  /** Told before each shape's rehearsal starts (1-based index). */
  readonly onShape?: (index: number, count: number, shape: Shape) => void;
}

/** Rehearse once per shape, then upgrade the members of the shapes that passed. */
export async function rehearseShapes(config: Config, parts: readonly Part[], ctx: RehearsalContext, args: FleetRehearseOptions): Promise<FleetRehearsal> {
  const census = await takeCensus(config, parts, ctx, { concurrency: args.concurrency });
  const shapes = shapesOf(census.groups.flatMap((g) => g.members), new Map(parts.map((p) => [p.name, p])));
  const byName = new Map(parts.map((p) => [p.name, p]));
  const done: ShapeRehearsal[] = [];
  for (const [i, shape] of shapes.entries()) {
    args.onShape?.(i + 1, shapes.length, shape);
    const representative = shape.members[0]!.part;
    try {
      const rehearsal = await rehearse(config, byName.get(representative)!, ctx, { ...args, rehearseOnly: true });
      done.push({ ...shape, representative, rehearsal, passed: rehearsal.outcome === 'rehearsed' || rehearsal.outcome === 'up-to-date' });
    } catch (e) {
      if (!isPgvError(e) || isInterrupted(e)) throw e;
      done.push({ ...shape, representative, error: e, passed: false });
    }
  }
  const upgrade = done.filter((s) => s.passed && s.rehearsal?.outcome === 'rehearsed').flatMap((s) => s.members.map((m) => byName.get(m.part)!));
  if (upgrade.length === 0) return { shapes: done, unreadable: census.unreadable };
  // Planned again, and again under each database's lock: a member that moved since the census is noticed.
  const prepared = await preparePlan(config, upgrade, ctx);
  const outcome = await runPlan(prepared.plan, prepared.prepared, {
    env: ctx.env,
    command: 'test-and-upgrade',
    concurrency: args.concurrency,
    lockTimeoutMs: args.lockTimeoutMs,
    snapshots: true,
    // The fleet's rollout holds here as in apply: a canary group first, per_server, on_error.
    rollout: config.rollout,
    ...(ctx.onEvent ? { onEvent: ctx.onEvent } : {}),
  });
  return { shapes: done, unreadable: census.unreadable, upgrade: outcome };
}

/**
 * The census's members split into shapes: the census's (version, fingerprint), and the scripts
 * too (a rehearsal of one part's scripts says nothing about another's). In the census's order.
 */
export function shapesOf(members: readonly CensusEntry[], parts: ReadonlyMap<string, Part>): Shape[] {
  const shapes = new Map<string, { version: string | null; fingerprint: string | null; members: CensusEntry[] }>();
  const scriptsKey = new Map<string, string>();
  for (const m of members) {
    const part = parts.get(m.part)!;
    // Parts of one template share a directory: hash its scripts once per directory and variables.
    const source = canonicalJson({ directory: part.directory, recipe: part.recipe, variables: part.variables, pum: part.pumPlaceholders, ignore: part.ignoreFiles });
    let scripts = scriptsKey.get(source);
    if (scripts === undefined) {
      scripts = sha256(canonicalJson({ recipe: part.recipe, ledger: part.upgradesTable, scripts: scriptChecksums(readScripts(part)) }));
      scriptsKey.set(source, scripts);
    }
    const key = JSON.stringify([scripts, m.version, m.catalog?.hash ?? null]);
    const shape = shapes.get(key);
    if (shape) shape.members.push(m);
    else shapes.set(key, { version: m.version, fingerprint: m.catalog?.hash ?? null, members: [m] });
  }
  return [...shapes.values()];
}
