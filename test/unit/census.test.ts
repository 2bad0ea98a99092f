/** The census's pure core: grouping by (version, fingerprint), the majority and the drift, and its renderings. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Catalog } from '../../lib/check/model.js';
import { groupCensus, type CensusEntry } from '../../lib/fleet/census-model.js';
import { catalogPrint } from '../../lib/run/fingerprint.js';
import { renderCensusJson, renderCensusText } from '../../lib/report/census.js';

const columns = (...names: string[]): Catalog => new Map([['columns', names.map((n) => ({ kind: 'columns' as const, name: `public.t.${n}`, schema: 'public', definition: { type: 'integer' } }))]]);
const entry = (part: string, version: string | null, catalog: Catalog | null): CensusEntry => ({ part, database: part, label: part, exists: catalog !== null, version, catalog: catalog ? catalogPrint(catalog) : null });

test('groups by (version, fingerprint): by version, not initialised first, the largest group of a version first; minorities drift from it', () => {
  const census = groupCensus(
    [entry('a', '2', columns('id')), entry('b', '2', columns('id', 'extra')), entry('c', '2', columns('id')), entry('d', '10', columns('id')), entry('e', null, null), entry('f', null, columns())],
    [{ part: 'g', database: 'g', label: 'g', error: { code: 'connection_failed', message: 'refused' } }],
  );
  assert.equal(census.groups.map((g) => [g.version, g.members.map((m) => m.part).join(','), g.drift?.differences.map((d) => `${d.name} ${d.change}`) ?? null]), [
    [null, 'f', null],
    [null, 'e', null],
    ['2', 'a,c', null],
    ['2', 'b', ['public.t.extra only-in-2']],
    ['10', 'd', null],
  ]);
  assert.is(census.groups[3]!.drift!.majority, census.groups[2]!.fingerprint);
  assert.is(census.unreadable.length, 1);
});

test('the JSON names every member and the drift as extra/missing/different; the text abbreviates long lists', () => {
  const many = Array.from({ length: 12 }, (_, i) => entry(`t${i + 1}`, '1', columns('id')));
  const census = groupCensus([...many, entry('x', '1', columns())], []);
  const json = renderCensusJson(census) as { groups: { count: number; databases: string[]; drift?: { differences: unknown[] } }[] };
  assert.is(json.groups[0]!.count, 12);
  assert.is(json.groups[0]!.databases.length, 12);
  assert.equal(json.groups[1]!.drift!.differences, [{ kind: 'columns', name: 'public.t.id', change: 'missing' }]);
  const text = renderCensusText(census);
  assert.match(text, /^13 databases: 2 groups by \(version, schema fingerprint\) over 1 version\n/);
  assert.match(text, 't1, t2, t3, t4, t5, t6, t7, t8, … and 4 more (--json lists them all)');
  assert.match(text, 'different schema: columns public.t.id (missing in this group)');
});

test.run();
