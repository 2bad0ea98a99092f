/**
 * Why a schema part's rehearsal can differ from its fresh build, in gocept.rdbmanagement's terms:
 * a fresh build runs init.sql alone, so init.sql must describe the schema after the newest update.
 * Names the updates whose effect init.sql probably lacks: those (applied or pending) that mention a
 * differing object, not counting the parts of an object that differs as a whole.
 * Pure.
 */
import type { Difference } from '../check/model.js';

/** An update the rehearsal ran, with its text. */
export interface RanUpdate {
  readonly name: string;
  readonly text: string;
}

/** The hint for a schema part whose upgraded copy differs from a fresh build of init.sql. */
export function initSqlHint(differences: readonly Difference[], ran: readonly RanUpdate[]): string {
  const rule = "gocept's rule: init.sql describes the schema after the newest update (a fresh build runs init.sql alone)";
  const blamed = new Map<string, Set<string>>();
  // A differing object's parts (a missing table's columns, indexes…) would only repeat it.
  const names = differences.map((d) => d.name.replace(/\s*\(.*\)\s*$/, ''));
  const own = differences.filter((d, k) => !names.some((other, j) => j !== k && names[k]!.startsWith(`${other}.`)));
  for (const d of own) {
    const word = lastIdentifier(d.name);
    if (!word) continue;
    const re = new RegExp(`(^|[^A-Za-z0-9_$])"?${escape(word)}"?($|[^A-Za-z0-9_$])`, 'i');
    for (const u of ran) if (re.test(withoutComments(u.text))) (blamed.get(u.name) ?? blamed.set(u.name, new Set()).get(u.name)!).add(word);
  }
  if (blamed.size) {
    const list = [...blamed].map(([name, words]) => `${name} (${[...words].join(', ')})`).join(', ');
    return `${rule}; init.sql probably lacks the effect of ${list}: add it there.`;
  }
  return ran.length ? `${rule}; bring init.sql up to date with ${ran.map((u) => u.name).join(', ')}.` : `${rule}.`;
}

/** `public.orders.qty` → `qty`; `public.total(integer)` → `total`; `app.doc (row level security)` → `doc`. */
function lastIdentifier(name: string): string | undefined {
  const bare = name.replace(/\s*\(.*\)\s*$/, '');
  const last = bare.split('.').pop()?.replace(/^"|"$/g, '');
  return last && /^[A-Za-z_][A-Za-z0-9_$]*$/.test(last) ? last : undefined;
}

function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
