/** The options of `pgv check` as data, and the parsing of kind lists. Pure. */
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
