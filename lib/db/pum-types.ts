/**
 * The `type` column of a pum 0.x upgrades table, in both generations pum wrote. Pure.
 *
 * - Before pum 0.7.4 (`legacy`): 0 pre .py, 1 pre .sql, 2 .py, 3 .sql, 4 post .py, 5 post .sql.
 * - From 0.7.4 on, 0.10.0 included (`flags`): bit flags PRE 1, POST 2, PYTHON 4, SQL 8, so
 *   8 .sql, 9 pre .sql, 10 post .sql, 4 .py, 5 pre .py, 6 post .py.
 *
 * Both write a baseline as type 0 with the description `baseline`. pum 0.10 decides "already
 * applied" on (version, description, type, success), so a row in the wrong generation is a delta
 * pum runs again: pgv writes the generation the table already holds.
 */

/** Which generation of `type` codes a pum table holds. */
export type PumCodes = 'flags' | 'legacy';

/** What a pum row records, decoded. */
export interface PumRowKind {
  readonly kind: 'baseline' | 'pre' | 'delta' | 'post';
  readonly python: boolean;
}

const PRE = 1;
const POST = 2;
const PYTHON = 4;
const SQL = 8;

/** Codes only the flags generation writes, and codes only the legacy one writes. */
const onlyFlags = new Set([PRE | POST | PYTHON, SQL, PRE | SQL, POST | SQL]);
const onlyLegacy = new Set([1, 2, 3]);

/**
 * The generation of a table from the types of its rows: any code only 0.7.4+ writes means flags,
 * else any code only older pum writes means legacy; a table with only baselines (or nothing, or
 * only the ambiguous 4 and 5) is taken as pum 0.10's, the generation pum writes today.
 */
export function pumCodesOf(types: Iterable<number>): PumCodes {
  let legacy = false;
  for (const t of types) {
    if (onlyFlags.has(t)) return 'flags';
    if (onlyLegacy.has(t)) legacy = true;
  }
  return legacy ? 'legacy' : 'flags';
}

/**
 * Decode one row. Codes that only one generation writes decode by themselves (a table that both
 * an old pgv and pum 0.10 wrote to keeps both readable); 4 and 5 decode by the table's generation.
 */
export function pumKindOf(type: number, description: string, codes: PumCodes): PumRowKind {
  if (type === 0 && description === 'baseline') return { kind: 'baseline', python: false };
  const flags = onlyFlags.has(type) || (!onlyLegacy.has(type) && type !== 0 && codes === 'flags');
  if (flags) {
    const python = (type & PYTHON) !== 0 && (type & SQL) === 0;
    return { kind: type & PRE ? 'pre' : type & POST ? 'post' : 'delta', python };
  }
  const legacy = [
    { kind: 'pre', python: true },
    { kind: 'pre', python: false },
    { kind: 'delta', python: true },
    { kind: 'delta', python: false },
    { kind: 'post', python: true },
    { kind: 'post', python: false },
  ] as const;
  return legacy[type] ?? { kind: 'delta', python: false };
}

/** The code of a script of this kind in a table of this generation (0 for a baseline). */
export function pumTypeOf(kind: string, python: boolean, codes: PumCodes): number {
  if (kind === 'baseline') return 0;
  const phase = kind === 'pre' ? 0 : kind === 'post' ? 2 : 1;
  if (codes === 'legacy') return phase * 2 + (python ? 0 : 1);
  return (python ? PYTHON : SQL) | (phase === 0 ? PRE : phase === 2 ? POST : 0);
}
