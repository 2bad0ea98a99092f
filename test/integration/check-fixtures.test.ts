/**
 * The check fixtures, data-driven: for each fixtures/check/<case>/, build a.sql and b.sql in fresh
 * databases, run the real `pgv check --json` with each run's arguments, and require exactly the
 * differences of expected.json: none missing, none extra, and the definitions it lists. Where the
 * server prints a definition differently from some major on (PostgreSQL 16 drops the table prefix
 * of single-table views, 17 adds the MAINTAIN privilege), expected-pgN.json holds what servers of
 * major N and newer print; the newest one not above the server's major is used.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateAgainst } from '../../lib/config/validate.js';
import { kinds } from '../../lib/check/model.js';
import { fixtures, jsonOf, makeProject, runPgv } from '../helpers/cli.js';
import { urlFor, type JsonDifference } from '../helpers/check.js';
import { createDatabase, dropDatabase, withDb } from '../helpers/db.js';

interface Expected {
  readonly note?: string;
  readonly runs: ReadonlyArray<{ readonly args: readonly string[]; readonly differences: readonly JsonDifference[] }>;
}

const root = path.join(fixtures, 'check');

/** expected.json, or the expected-pgN.json with the highest N not above the server's major. */
function expectedFile(dir: string, major: number): string {
  const versions = readdirSync(dir)
    .map((f) => /^expected-pg(\d+)\.json$/.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .filter((v) => v <= major);
  return path.join(dir, versions.length ? `expected-pg${Math.max(...versions)}.json` : 'expected.json');
}
const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const project = makeProject('check-fixtures');

const order = (d: JsonDifference) => `${String(kinds.indexOf(d.kind as never)).padStart(2, '0')}\u0000${d.name}\u0000${d.change}`;
const identity = (d: JsonDifference) => ({ kind: d.kind, name: d.name, change: d.change });

test('there is a fixture for every kind', () => {
  for (const kind of kinds) assert.ok(cases.includes(kind), `fixtures/check/${kind} is missing`);
});

for (const name of cases) {
  test(`fixture ${name}`, async () => {
    const dir = path.join(root, name);
    const major = await withDb('postgres', async (db) => Math.floor(Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v) / 10000));
    const expected = JSON.parse(readFileSync(expectedFile(dir, major), 'utf8')) as Expected;
    const a = await createDatabase(`ck_${name}_a`);
    const b = await createDatabase(`ck_${name}_b`);
    try {
      await withDb(a, (db) => db.query(readFileSync(path.join(dir, 'a.sql'), 'utf8')));
      await withDb(b, (db) => db.query(readFileSync(path.join(dir, 'b.sql'), 'utf8')));
      for (const run of expected.runs) {
        const label = `${name} ${JSON.stringify(run.args)}`;
        const result = await runPgv(['check', '--db1', urlFor(a), '--db2', urlFor(b), '--json', ...run.args], { cwd: project });
        assert.is(result.code, run.differences.length ? 1 : 0, `${label}: exit code\n${result.stderr}\n${result.stdout}`);
        const json = jsonOf(result);
        assert.equal(validateAgainst('pgv.check.schema.json', json), [], `${label}: JSON schema`);
        assert.is(json.identical, run.differences.length === 0);
        const got = (json.differences as JsonDifference[]).slice().sort((x, y) => order(x).localeCompare(order(y)));
        const want = run.differences.slice().sort((x, y) => order(x).localeCompare(order(y)));
        assert.equal(got.map(identity), want.map(identity), `${label}: differences`);
        for (const w of want) {
          const g = got.find((d) => d.kind === w.kind && d.name === w.name)!;
          for (const side of ['db1', 'db2'] as const) {
            for (const [key, value] of Object.entries(w[side] ?? {})) {
              // null in expected.json: the property is absent on that side.
              assert.equal(g[side]?.[key] ?? null, value, `${label}: ${w.name} ${side}.${key}`);
            }
          }
        }
      }
    } finally {
      await dropDatabase(a);
      await dropDatabase(b);
    }
  });
}

test.run();
