/** The fleet's pure parts: the line of a pointer, the shard rule, the rollout schedule, per-key limits. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Part, RolloutGroup } from '../../lib/config/types.js';
import { lineOf } from '../../lib/config/fleet.js';
import { partsOfShard, parseShard, shardOf } from '../../lib/fleet/shard.js';
import { rolloutSchedule } from '../../lib/fleet/rollout.js';
import type { PartPlan, Plan } from '../../lib/plan/types.js';
import type { ScriptSet } from '../../lib/recipes/types.js';
import { mapPerKey } from '../../lib/util/limit.js';
import { isPgvError } from '../../lib/errors.js';

const part = (name: string, over: Partial<Part> = {}): Part => ({
  name, recipe: 'schema', dbname: name.split('/').pop()!, connection: {}, directory: '/p', upgradesTable: { schema: 'pgv', name: 'upgrades' },
  ignore: [], excludeSchemas: [], excludeColumns: [], create: false, snapshot: false, after: [], ignoreFiles: [], variables: {}, pumPlaceholders: false, reference: [],
  ddlLockTimeoutMs: 0, hookTimeoutMs: 60_000, ...over,
});
const scripts = (python = false): ScriptSet => ({ directory: '/p', updates: python ? [{ name: 'x.py', language: 'python' } as never] : [], preconditions: new Map(), latest: null });
const planOf = (parts: Part[]): Plan => ({
  parts: parts.map((p): PartPlan => ({ name: p.name, database: p.dbname, recipe: 'schema', ledger: p.upgradesTable, current: null, target: '1', steps: [], changed: [], after: p.after, replan: { planner: 'apply', accept: [] } })),
});
const group = (match: string, over: Partial<RolloutGroup> = {}): RolloutGroup => ({ match, onError: 'stop', location: { file: '/c.yaml', line: 7 }, ...over });

test('lineOf finds nested keys and list items in YAML and JSON', () => {
  const yaml = 'servers:\n  a: {host: x}\nparts:\n  app:\n    recipe: schema\n  tenant:\n    for_each:\n      servers:\n        - a\n        - c\n';
  assert.is(lineOf(yaml, '/parts/tenant/for_each'), 7);
  assert.is(lineOf(yaml, '/parts/tenant/for_each/servers/1'), 10);
  assert.is(lineOf(yaml, '/servers/a'), 2);
  assert.is(lineOf('{\n  "parts": {\n    "t": {\n      "dbname": "${each:x}"\n    }\n  }\n}\n', '/parts/t/dbname'), 4);
  assert.is(lineOf(yaml, '/nothing/here'), undefined);
});

test('the shard rule: every part in exactly one shard, by SERVER/DBNAME for fleet parts', () => {
  const parts = Array.from({ length: 40 }, (_, k) => part(`t/s${k % 2}/db${k}`, { server: `s${k % 2}`, template: 't' }));
  const shards = [1, 2, 3].map((index) => partsOfShard(parts, { index, count: 3 }).map((p) => p.name));
  assert.equal(shards.flat().sort(), parts.map((p) => p.name).sort());
  assert.ok(shards.every((s) => s.length > 0));
  // Two templates' parts of one database land together.
  assert.is(shardOf(part('a/s0/db7', { server: 's0' }), 5), shardOf(part('b/s0/db7', { server: 's0' }), 5));
  assert.equal(parseShard('2/4'), { index: 2, count: 4 });
  for (const bad of ['0/3', '4/3', '1/0', 'x', '1/2/3']) assert.throws(() => parseShard(bad), (e: unknown) => isPgvError(e) && e.code === 'usage');
});

test('rollout: first matching group, the rest last, a dependency pulls a part into a later group, per_server below a part\'s sessions refused', () => {
  const parts = [part('t/a/canary_1', { server: 'a' }), part('t/a/x_2', { server: 'a' }), part('t/b/x_3', { server: 'b' }), part('o', { after: ['t/a/x_2'] }), part('early', { dbname: 'canary_9', after: ['t/b/x_3'] })];
  const inputs = new Map(parts.map((p) => [p.name, { part: p, scripts: scripts(p.name === 't/b/x_3') }]));
  const s = rolloutSchedule(planOf(parts), inputs, [group('canary_*', { concurrency: 1 }), group('x_*', { perServer: 3, onError: 'continue' }), group('nobody')], 4);
  assert.equal(s.groups.map((g) => g.parts), [['t/a/canary_1'], ['t/a/x_2', 't/b/x_3', 'early'], ['o']]);
  assert.equal(s.groups.map((g) => [g.concurrency, g.perServer, g.onError]), [[1, undefined, 'stop'], [4, 3, 'continue'], [4, undefined, 'continue']]);
  assert.is(s.sessionsOf.get('t/b/x_3'), 2);
  assert.is(s.serverOf.get('t/a/x_2'), 'a');
  assert.equal(s.warnings, ['/c.yaml:7: rollout group 3 (match nobody) matches no database of this run']);
  assert.throws(() => rolloutSchedule(planOf(parts), inputs, [group('*', { perServer: 1 })], 4), (e: unknown) => isPgvError(e) && e.code === 'config_invalid' && /per_server 1 is less than the 2 sessions part t\/b\/x_3/.test(e.message));
});

test('mapPerKey keeps results in order and never runs more than the limit per key', async () => {
  const running = new Map<string, number>();
  const peak = new Map<string, number>();
  const out = await mapPerKey(Array.from({ length: 12 }, (_, k) => k), (k) => (k % 3 === 0 ? undefined : `s${k % 3}`), 2, async (k) => {
    const key = `s${k % 3}`;
    running.set(key, (running.get(key) ?? 0) + 1);
    peak.set(key, Math.max(peak.get(key) ?? 0, running.get(key)!));
    await new Promise((r) => setTimeout(r, 2));
    running.set(key, running.get(key)! - 1);
    return k * 10;
  });
  assert.equal(out, Array.from({ length: 12 }, (_, k) => k * 10));
  assert.is(peak.get('s1'), 2);
  assert.is(peak.get('s2'), 2);
  assert.is(peak.get('s0'), 4); // the unkeyed items all at once
});

test.run();
