/**
 * A saved plan's fingerprints and what moved since: pure functions of the state a plan was
 * computed from (ledger rows, script checksums, the normalized catalog) and of the state now.
 * The catalog is kept as one short hash per object, so that a move can name the objects that
 * differ (check's compare, run on the hashes) without storing every definition.
 */
import { createHash } from 'node:crypto';
import type { Config, Part } from '../config/types.js';
import { compareCatalogs } from '../check/compare.js';
import type { Catalog, CatalogObject, Difference, Kind } from '../check/model.js';
import type { LedgerRow } from '../plan/types.js';
import path from 'node:path';

/** The format version of a saved plan (schemas/pgv.saved-plan.schema.json). */
export const savedPlanFormat = 1 as const;

/** A ledger row as a fingerprint keeps it: what says which script ran, not how long it took. */
export interface LedgerRowPrint {
  readonly id: number;
  readonly version: string;
  readonly script: string;
  readonly kind: string;
  readonly checksum: string | null;
  readonly success: boolean;
}

/** What one part's plan was computed from. */
export interface PartFingerprint {
  /** Did the part's database exist? */
  readonly exists: boolean;
  /** The ledger rows as observed, oldest first. */
  readonly ledger: readonly LedgerRowPrint[];
  /** sha256 of every script and precondition file of the part, by file name. */
  readonly scripts: Readonly<Record<string, string>>;
  /** The catalog's hash and its objects' hashes by kind and name (null: no database). */
  readonly catalog: CatalogPrint | null;
}

/** The normalized catalog as hashes: one per object, and one of the whole. */
export interface CatalogPrint {
  readonly hash: string;
  readonly objects: Readonly<Partial<Record<Kind, Readonly<Record<string, string>>>>>;
}

/** sha256 hex of a text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The ledger rows as a fingerprint keeps them. */
export function ledgerPrint(rows: readonly LedgerRow[]): LedgerRowPrint[] {
  return rows.map((r) => ({ id: r.id, version: r.version, script: r.script, kind: r.kind, checksum: r.checksum, success: r.success }));
}

/** An inspected (and already filtered) catalog as hashes. */
export function catalogPrint(catalog: Catalog): CatalogPrint {
  const objects: Partial<Record<Kind, Record<string, string>>> = {};
  for (const [kind, list] of catalog) {
    const byName: Record<string, string> = {};
    for (const o of list) byName[o.name] = sha256(canonicalJson(o.definition)).slice(0, 16);
    objects[kind] = byName;
  }
  return { hash: sha256(canonicalJson(objects)), objects };
}

/**
 * The identity of a config as far as planning goes: per selected part, what decides its steps
 * (recipe, database, ledger, directory relative to the config, variables, exclusions). The
 * connection is left out: the same plan may be applied through another route to the database.
 */
export function configIdentity(config: Config, parts: readonly Part[]): string {
  return sha256(
    canonicalJson(
      parts.map((p) => ({
        name: p.name,
        recipe: p.recipe,
        dbname: p.dbname,
        ledger: p.upgradesTable,
        directory: path.relative(config.root, p.directory).split(path.sep).join('/'),
        ignoreFiles: p.ignoreFiles,
        variables: p.variables,
        pumPlaceholders: p.pumPlaceholders,
        after: p.after,
        create: p.create,
        ignore: p.ignore,
        excludeSchemas: p.excludeSchemas,
        excludeColumns: p.excludeColumns,
      })),
    ),
  );
}

/** The hash of a saved plan document: of everything in it but its `hash`. */
export function documentHash(document: Readonly<Record<string, unknown>>): string {
  const { hash: _own, ...rest } = document;
  return sha256(canonicalJson(rest));
}

/** What moved in one part since its plan was saved: one line per moved thing. */
export interface Moves {
  readonly scripts: readonly string[];
  readonly ledger: readonly string[];
  readonly catalog: readonly string[];
}

/** Script files changed, added or removed since. */
export function scriptMoves(saved: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [name, sum] of Object.entries(saved)) {
    if (!(name in now)) out.push(`script file ${name} was removed`);
    else if (now[name] !== sum) out.push(`script file ${name} changed (sha256 ${sum.slice(0, 12)} → ${now[name]!.slice(0, 12)})`);
  }
  for (const name of Object.keys(now)) if (!(name in saved)) out.push(`script file ${name} was added`);
  return out;
}

/** Ledger rows gained, lost or rewritten since (another apply, a baseline, a hand edit). */
export function ledgerMoves(saved: readonly LedgerRowPrint[], now: readonly LedgerRowPrint[]): string[] {
  const show = (r: LedgerRowPrint) => `row ${r.id} (${r.kind} ${r.script} at version ${r.version}${r.success ? '' : ', failed'})`;
  const before = new Map(saved.map((r) => [r.id, r]));
  const after = new Map(now.map((r) => [r.id, r]));
  const out: string[] = [];
  for (const r of now) {
    const was = before.get(r.id);
    if (!was) out.push(`the ledger gained ${show(r)}: another apply or baseline ran since the plan`);
    else if (canonicalJson(was) !== canonicalJson(r)) out.push(`the ledger's ${show(was)} now reads ${show(r)}`);
  }
  for (const r of saved) if (!after.has(r.id)) out.push(`the ledger lost ${show(r)}`);
  return out;
}

/** Objects added, dropped or changed since, by kind (check's compare on the hashes). */
export function catalogMoves(saved: CatalogPrint | null, now: CatalogPrint | null): string[] {
  if (saved === null || now === null) {
    if (saved === now) return [];
    return [saved === null ? 'the database was created since the plan' : 'the database is gone since the plan'];
  }
  const change = { 'only-in-1': 'dropped', 'only-in-2': 'added', different: 'changed' } as const;
  return printDifferences(saved, now).map((d) => `${d.kind}: ${d.name} ${change[d.change]} by hand since the plan`);
}

/** The objects that differ between two catalog prints, by kind then name (check's compare, run on the hashes). */
export function printDifferences(db1: CatalogPrint, db2: CatalogPrint): Difference[] {
  if (db1.hash === db2.hash) return [];
  const asCatalog = (p: CatalogPrint): Catalog =>
    new Map(Object.entries(p.objects).map(([kind, byName]) => [kind as Kind, Object.entries(byName ?? {}).map(([name, h]): CatalogObject => ({ kind: kind as Kind, name, schema: null, definition: { hash: h } }))]));
  const kinds = [...new Set([...Object.keys(db1.objects), ...Object.keys(db2.objects)])] as Kind[];
  return [...compareCatalogs(asCatalog(db1), asCatalog(db2), kinds, { columnOrder: true, ignoreGeneratedNames: false }).differences];
}

/** Every move of a part, scripts first. */
export function movesOf(saved: PartFingerprint, now: PartFingerprint): Moves {
  return {
    scripts: scriptMoves(saved.scripts, now.scripts),
    ledger: ledgerMoves(saved.ledger, now.ledger),
    catalog: catalogMoves(saved.catalog, now.catalog),
  };
}

/** True when nothing moved. */
export function isStill(m: Moves): boolean {
  return m.scripts.length + m.ledger.length + m.catalog.length === 0;
}
