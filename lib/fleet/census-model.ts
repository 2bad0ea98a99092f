/**
 * The census of many databases (`pgv info --fleet`): each database's version and schema
 * fingerprint, grouped by (version, fingerprint). Pure: the reading is census.ts.
 */
import type { Difference } from '../check/model.js';
import type { CatalogPrint } from '../run/fingerprint.js';
import { printDifferences } from '../run/fingerprint.js';
import { compareVersions } from '../util/versions.js';

/** One database as the census read it. */
export interface CensusEntry {
  /** The part (in a fleet: TEMPLATE/SERVER/DBNAME). */
  readonly part: string;
  readonly database: string;
  /** How the census names it: SERVER/DBNAME in a fleet, the database name otherwise. */
  readonly label: string;
  readonly exists: boolean;
  /** The version its ledger says; null when not initialised or missing. */
  readonly version: string | null;
  /** The normalized catalog as hashes, without pgv's ledgers; null when the database is missing. */
  readonly catalog: CatalogPrint | null;
}

/** A database the census could not read. */
export interface CensusFailure {
  readonly part: string;
  readonly database: string;
  readonly label: string;
  readonly error: { readonly code: string; readonly message: string };
}

/** Databases at the same version with the same schema. */
export interface CensusGroup {
  readonly version: string | null;
  /** The catalog's hash (sha256 hex); null for databases that do not exist. */
  readonly fingerprint: string | null;
  readonly members: readonly CensusEntry[];
  /**
   * When another group at this version has more members (the majority): its fingerprint and
   * the objects this group has differently, by kind and name (check's compare on the hashes).
   */
  readonly drift?: { readonly majority: string; readonly differences: readonly Difference[] };
}

/** What the census found. */
export interface Census {
  /** By version (oldest first; not initialised first of all), then the most members first. */
  readonly groups: readonly CensusGroup[];
  readonly unreadable: readonly CensusFailure[];
}

/** Group what was read by (version, fingerprint), and say how each minority differs from its version's majority. */
export function groupCensus(entries: readonly CensusEntry[], failures: readonly CensusFailure[]): Census {
  const byKey = new Map<string, CensusEntry[]>();
  for (const e of entries) {
    const key = JSON.stringify([e.version, e.catalog?.hash ?? null]);
    const list = byKey.get(key);
    if (list) list.push(e);
    else byKey.set(key, [e]);
  }
  const plain = [...byKey.values()].map((members) => ({ version: members[0]!.version, fingerprint: members[0]!.catalog?.hash ?? null, catalog: members[0]!.catalog, members }));
  plain.sort((a, b) => versionOrder(a.version, b.version) || b.members.length - a.members.length || String(a.fingerprint).localeCompare(String(b.fingerprint)));
  const groups = plain.map((g): CensusGroup => {
    // The sort put the largest group of each version first: the others drift from it.
    const majority = plain.find((m) => m.version === g.version && m.catalog !== null)!;
    const base = { version: g.version, fingerprint: g.fingerprint, members: g.members };
    if (majority === g || g.catalog === null || majority.catalog === null) return base;
    return { ...base, drift: { majority: majority.fingerprint!, differences: printDifferences(majority.catalog, g.catalog) } };
  });
  return { groups, unreadable: [...failures].sort((a, b) => a.label.localeCompare(b.label)) };
}

/** Versions as numbers; no version (not initialised, missing) first. */
function versionOrder(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareVersions(a, b);
}

/** Groups that share their version with another group: the schema drifted somewhere. */
export function driftedGroups(census: Census): CensusGroup[] {
  return census.groups.filter((g) => g.drift !== undefined);
}
