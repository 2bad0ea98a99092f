/** The options of `pgv check` as data, and the parsing of kind lists. Pure. */
import { defaultLedger, type Part, type QualifiedName } from '../config/types.js';
import { PgvError } from '../errors.js';
import { closest } from '../util/suggest.js';
import type { CompareOptions } from './compare.js';
import type { Exclusions } from './exclude.js';
import { isKind, kinds as allKinds, optInKinds, type Kind } from './model.js';

/** Everything that decides what a check compares. */
export interface CheckOptions {
  /** The kinds compared, in report order. */
  readonly kinds: readonly Kind[];
  readonly exclusions: Exclusions;
  readonly compare: CompareOptions;
}

/** What a check is asked for, as the command line or a library caller gives it (lists may be comma-separated). */
export interface CheckRequest {
  /** Kinds not compared. */
  readonly ignore?: readonly string[];
  /** Opt-in kinds compared too (privileges, comments). */
  readonly include?: readonly string[];
  readonly excludeSchemas?: readonly string[];
  /** LIKE patterns on `table.column` or `schema.table.column`. */
  readonly excludeColumns?: readonly string[];
  readonly columnOrder?: boolean;
  readonly ignoreGeneratedNames?: boolean;
}

/** The options of a check: the request's kinds and exclusions, a part's own (when given), and the ledgers left out. */
export function checkOptionsFor(request: CheckRequest, ledgers: readonly QualifiedName[], part?: Part): CheckOptions {
  const ignore = parseKinds(splitList(request.ignore ?? []), '--ignore');
  const include = parseKinds(splitList(request.include ?? []), '--include');
  const partIgnore = part ? parseKinds(part.ignore, `part ${part.name}'s ignore option`) : [];
  return {
    kinds: selectKinds([...partIgnore, ...ignore], include),
    exclusions: {
      schemas: splitList([...(part?.excludeSchemas ?? []), ...(request.excludeSchemas ?? [])]),
      columns: splitList([...(part?.excludeColumns ?? []), ...(request.excludeColumns ?? [])]),
      ledgers,
    },
    compare: { columnOrder: request.columnOrder === true, ignoreGeneratedNames: request.ignoreGeneratedNames === true },
  };
}

/** The ledgers a check leaves out: the default place and every part's, once each. */
export function ledgersOf(parts: readonly Pick<Part, 'upgradesTable'>[]): QualifiedName[] {
  const out: QualifiedName[] = [defaultLedger];
  for (const p of parts) if (!out.some((l) => l.schema === p.upgradesTable.schema && l.name === p.upgradesTable.name)) out.push(p.upgradesTable);
  return out;
}

/** Split repeated, comma-separated option values (`--ignore a,b --ignore c`) into words. */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((w) => w.trim()).filter(Boolean);
}

/** Kind words → kinds; an unknown word is a usage error with a suggestion (exit 2). */
export function parseKinds(words: readonly string[], flag: string): Kind[] {
  return words.map((w) => {
    if (isKind(w)) return w;
    const guess = closest(w, allKinds);
    throw new PgvError('usage', `unknown kind "${w}" in ${flag}`, {
      hint: `${guess ? `Did you mean "${guess}"? ` : ''}Kinds: ${allKinds.join(', ')}.`,
      data: { kind: w },
    });
  });
}

/** The kinds to compare: every kind except the opt-in ones not included and the ignored ones. */
export function selectKinds(ignore: readonly Kind[], include: readonly Kind[]): Kind[] {
  return allKinds.filter((k) => !ignore.includes(k) && (!optInKinds.includes(k) || include.includes(k)));
}
