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

/**
 * The format version of a saved plan (schemas/pgv.saved-plan.schema.json). 2: `parts[].trace` is
 * `pgv trace --json`'s trace, and `config.parts` keeps each part's settings (format 1 had neither).
 */
export const savedPlanFormat = 2 as const;

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
 * What decides a part's steps, as a saved plan keeps it (config keys): recipe, database, ledger,
 * directory relative to the config, ignore_files, variables, placeholders, after, create and the
 * exclusions. Variables are kept as their names and types and one hash of the values: a value may
 * be a secret (`${env:…}`), and the plan file travels (a CI artifact). The connection is left out:
 * the same plan may be applied through another route to the database.
 */
export interface PartSettings {
  readonly recipe: string;
  readonly dbname: string;
  readonly upgrades_table: string;
  readonly directory: string;
  readonly ignore_files: readonly string[];
  readonly variables: { readonly types: Readonly<Record<string, string>>; readonly values_sha256: string };
  readonly pum_placeholders: boolean;
  readonly after: readonly string[];
  readonly create: boolean;
  readonly ignore: readonly string[];
  readonly exclude_schemas: readonly string[];
  readonly exclude_columns: readonly string[];
}

/** A part's settings that decide its steps (PartSettings). */
export function partSettings(config: Config, part: Part): PartSettings {
  const names = Object.keys(part.variables).sort();
  return {
    recipe: part.recipe,
    dbname: part.dbname,
    upgrades_table: `${part.upgradesTable.schema}.${part.upgradesTable.name}`,
    directory: path.relative(config.root, part.directory).split(path.sep).join('/'),
    ignore_files: part.ignoreFiles,
    variables: { types: Object.fromEntries(names.map((n) => [n, part.variables[n]!.type])), values_sha256: sha256(canonicalJson(part.variables)) },
    pum_placeholders: part.pumPlaceholders,
    after: part.after,
    create: part.create,
    ignore: part.ignore,
    exclude_schemas: part.excludeSchemas,
    exclude_columns: part.excludeColumns,
  };
}

/** The identity of a config as far as planning goes: a hash of the selected parts' names and settings. */
export function configIdentity(settings: Readonly<Record<string, PartSettings>>): string {
  return sha256(canonicalJson(settings));
}

/** How a part's settings differ, one line per setting: `dbname: r1_app → r1_nodb` (the plan's → now). */
export function settingsDifferences(saved: PartSettings, now: PartSettings): string[] {
  const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? v || '""' : JSON.stringify(v));
  const out: string[] = [];
  for (const key of Object.keys(saved) as Array<keyof PartSettings>) {
    if (key === 'variables') continue;
    if (canonicalJson(saved[key]) !== canonicalJson(now[key])) out.push(`${key}: ${show(saved[key])} → ${show(now[key])}`);
  }
  const [was, is] = [saved.variables.types, now.variables.types];
  for (const n of Object.keys(was)) {
    if (!(n in is)) out.push(`variables: ${n} is set in the plan's config, not in this one`);
    else if (was[n] !== is[n]) out.push(`variables: ${n} is of type ${was[n]} in the plan's config, ${is[n]} in this one`);
  }
  for (const n of Object.keys(is)) if (!(n in was)) out.push(`variables: ${n} is set in this config, not in the plan's`);
  if (out.every((l) => !l.startsWith('variables:')) && saved.variables.values_sha256 !== now.variables.values_sha256) {
    const names = Object.keys(is);
    out.push(`variables: the value of ${names.length === 1 ? names[0] : `one of ${names.join(', ')}`} differs (the plan keeps a hash of the values, not the values)`);
  }
  return out;
}

/** The hash of a saved plan document: of everything in it but its `hash`. */
export function documentHash(document: Readonly<Record<string, unknown>>): string {
  const { hash: _own, ...rest } = document;
  return sha256(canonicalJson(rest));
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

/** A ledger row one of a plan's steps writes when it runs: its script, version and checksum. */
export interface PlannedRow {
  readonly script: string;
  readonly version: string;
  /** What the ledger records: sha256 in pgv's ledger, md5 in a pum table. */
  readonly checksum: string;
}

/**
 * The ledger now against the plan: untouched; or the rows gained since are the plan's own steps,
 * in order, all of them (`applied`: the plan ran) or the first of them (`partly`: it ran and
 * stopped; `failed` names a script whose row records a failure); or anything else (`moved`).
 */
export type LedgerState =
  | { readonly kind: 'untouched' | 'moved' }
  | { readonly kind: 'applied'; readonly rows: readonly number[] }
  | { readonly kind: 'partly'; readonly rows: readonly number[]; readonly of: number; readonly failed?: string; readonly next?: string };

/** How the ledger relates to the plan's steps (LedgerState). */
export function ledgerState(saved: readonly LedgerRowPrint[], now: readonly LedgerRowPrint[], planned: readonly PlannedRow[]): LedgerState {
  const same = (a: readonly LedgerRowPrint[], b: readonly LedgerRowPrint[]) => canonicalJson(a) === canonicalJson(b);
  if (same(saved, now)) return { kind: 'untouched' };
  const gained = now.slice(saved.length);
  if (gained.length === 0 || gained.length > planned.length || !same(saved, now.slice(0, saved.length))) return { kind: 'moved' };
  const ours = (r: LedgerRowPrint, p: PlannedRow) => r.script === p.script && r.version === p.version && r.checksum === p.checksum;
  if (!gained.every((r, k) => ours(r, planned[k]!) && (r.success || k === gained.length - 1))) return { kind: 'moved' };
  const rows = gained.map((r) => r.id);
  const last = gained[gained.length - 1]!;
  if (last.success && gained.length === planned.length) return { kind: 'applied', rows };
  return { kind: 'partly', rows, of: planned.length, ...(last.success ? { next: planned[gained.length]!.script } : { failed: last.script }) };
}

/** "row 3" or "rows 3–5": the ledger rows a plan's steps wrote. */
export function rowsText(rows: readonly number[]): string {
  return rows.length === 1 ? `row ${rows[0]}` : `rows ${rows[0]}–${rows[rows.length - 1]}`;
}

/**
 * Objects added, dropped or changed since, by kind (check's compare on the hashes). "By hand"
 * only when `ledgerMoved` is false: when the ledger gained rows, their scripts may have done it.
 */
export function catalogMoves(saved: CatalogPrint | null, now: CatalogPrint | null, ledgerMoved = false): string[] {
  if (saved === null || now === null) {
    if (saved === now) return [];
    return [saved === null ? 'the database was created since the plan' : 'the database is gone since the plan'];
  }
  const change = { 'only-in-1': 'dropped', 'only-in-2': 'added', different: 'changed' } as const;
  const how = ledgerMoved ? 'since the plan' : 'by hand since the plan';
  return printDifferences(saved, now).map((d) => `${d.kind}: ${d.name} ${change[d.change]} ${how}`);
}

/** The objects that differ between two catalog prints, by kind then name (check's compare, run on the hashes). */
export function printDifferences(db1: CatalogPrint, db2: CatalogPrint): Difference[] {
  if (db1.hash === db2.hash) return [];
  const asCatalog = (p: CatalogPrint): Catalog =>
    new Map(Object.entries(p.objects).map(([kind, byName]) => [kind as Kind, Object.entries(byName ?? {}).map(([name, h]): CatalogObject => ({ kind: kind as Kind, name, schema: null, definition: { hash: h } }))]));
  const kinds = [...new Set([...Object.keys(db1.objects), ...Object.keys(db2.objects)])] as Kind[];
  return [...compareCatalogs(asCatalog(db1), asCatalog(db2), kinds, { columnOrder: true, ignoreGeneratedNames: false }).differences];
}
