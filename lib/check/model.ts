/**
 * What `pgv check` compares: a database's schema as plain data, one list of objects per kind.
 * Built from catalog rows by normalize.ts; filtered by exclude.ts; diffed by compare.ts.
 */
import type { QualifiedName } from '../config/types.js';

/**
 * The object kinds, in report order. These words are the values of `--ignore`, `--include` and
 * the part option `ignore`, and the `kind` of each difference in the JSON.
 */
export const kinds = [
  'schemas',
  'tables',
  'columns',
  'constraints',
  'views',
  'materialized_views',
  'sequences',
  'indexes',
  'triggers',
  'functions',
  'rules',
  'types',
  'extensions',
  'policies',
  'privileges',
  'comments',
] as const;

/** One object kind. */
export type Kind = (typeof kinds)[number];

/** Kinds compared only when asked for (`--include`): they depend on roles and prose, not structure. */
export const optInKinds: readonly Kind[] = ['privileges', 'comments'];

/** True when `word` names a kind. */
export function isKind(word: string): word is Kind {
  return (kinds as readonly string[]).includes(word);
}

/** One property of an object's definition. */
export type Value = string | number | boolean | null | readonly string[];

/** An object's definition: the properties that are compared, by name (snake_case, as in the JSON). */
export type Definition = Readonly<Record<string, Value>>;

/** One schema object of one database. */
export interface CatalogObject {
  readonly kind: Kind;
  /** Its identity within the kind, for people: `app.orders.qty`, `app.total(integer)`. */
  readonly name: string;
  /** The schema it lives in (for `--exclude-schema`); null for objects outside schemas. */
  readonly schema: string | null;
  /** The table it belongs to (a column, constraint, index, trigger, owned sequence...). */
  readonly table?: QualifiedName;
  /** The column it belongs to (a column, a column's privileges or comment). */
  readonly column?: string;
  readonly definition: Definition;
}

/** A database's inspected schema: the objects of each inspected kind, sorted by name. */
export type Catalog = ReadonlyMap<Kind, readonly CatalogObject[]>;

/** How one object differs between db1 and db2. */
export type Change = 'only-in-1' | 'only-in-2' | 'different';

/** One difference: an object only on one side, or on both with different definitions. */
export interface Difference {
  readonly kind: Kind;
  readonly name: string;
  readonly change: Change;
  readonly db1?: Definition;
  readonly db2?: Definition;
}

/** Per kind: how many objects each side has and how many differ, by change. */
export interface KindSummary {
  readonly kind: Kind;
  readonly db1: number;
  readonly db2: number;
  readonly onlyIn1: number;
  readonly onlyIn2: number;
  readonly different: number;
}

/** The outcome of comparing two catalogs. */
export interface Comparison {
  readonly identical: boolean;
  /** Sorted by kind (in `kinds` order), then name. */
  readonly differences: readonly Difference[];
  /** One entry per compared kind, in `kinds` order. */
  readonly summary: readonly KindSummary[];
}
