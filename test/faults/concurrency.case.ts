/**
 * Several pgv processes at once: two, then eight applying the same part, and different parts of
 * one config side by side. Every run ends 0 (or 3 with a message when it could not get the lock),
 * and every script is recorded once.
 */
import { makeProject, runPgv, testConnectionYaml, writeFiles } from '../helpers/cli.js';
import { dropDatabase, uniqueName } from '../helpers/db.js';
import { ledgerProblems, outputProblems, type FaultCase, type ScriptEffect, type Tally } from './harness.js';

function scripts(prefix: string): { files: Record<string, string>; effects: ScriptEffect[] } {
  const files: Record<string, string> = {};
  const effects: ScriptEffect[] = [];
  for (let i = 1; i <= 15; i++) {
    files[`${prefix}/update${i}.sql`] = `${i === 5 ? 'SELECT pg_sleep(0.2);\n' : ''}CREATE TABLE t${i} (id int);\n`;
    effects.push({ script: `update${i}.sql`, effect: `to_regclass('public.t${i}') IS NOT NULL` });
  }
  return { files, effects };
}

function config(parts: Record<string, string>): string {
  return `${testConnectionYaml()}parts:\n${Object.entries(parts).map(([name, db]) => `  ${name}:\n    recipe: schema\n    dbname: ${db}\n    schema: schema_${name}\n    create: true\n`).join('')}`;
}

const samePart: FaultCase = {
  name: 'concurrent apply of one part (2, 8)',
  async run(tally: Tally) {
    for (const n of [2, 8]) {
      const db = uniqueName(`same${n}`);
      const dir = makeProject('concurrent');
      const { files, effects } = scripts('schema_app');
      writeFiles(dir, { ...files, 'pgv.config.yaml': config({ app: db }) });
      const runs = await Promise.all(Array.from({ length: n }, () => runPgv(['apply'], { cwd: dir })));
      for (const [i, run] of runs.entries()) tally.check(`${n} at once, run ${i + 1}`, outputProblems(run, [0]));
      tally.check(`${n} at once: the ledger`, await ledgerProblems(db, effects));
      await dropDatabase(db);
    }
  },
};

const differentParts: FaultCase = {
  name: 'concurrent apply of different parts',
  async run(tally: Tally) {
    const names = ['a', 'b', 'c', 'd'];
    const dbs = Object.fromEntries(names.map((p) => [p, uniqueName(`part_${p}`)]));
    const dir = makeProject('parts');
    const all = names.map((p) => ({ part: p, ...scripts(`schema_${p}`) }));
    writeFiles(dir, { ...Object.assign({}, ...all.map((x) => x.files)), 'pgv.config.yaml': config(dbs) });
    const runs = await Promise.all([...names.map((p) => runPgv(['apply', p], { cwd: dir })), runPgv(['apply'], { cwd: dir })]);
    for (const [i, run] of runs.entries()) tally.check(`apply ${names[i] ?? '(all)'}`, outputProblems(run, [0]));
    for (const x of all) tally.check(`part ${x.part}: the ledger`, await ledgerProblems(dbs[x.part]!, x.effects));
    for (const db of Object.values(dbs)) await dropDatabase(db);
  },
};

export const cases: FaultCase[] = [samePart, differentParts];
