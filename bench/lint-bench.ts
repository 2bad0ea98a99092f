/**
 * The lint measurements (no database): `pgv lint` of 1000 scripts, the real CLI, against a floor
 * that parses the same files with libpg-query and nothing else (a Node process: load the parser,
 * read each file, parse it); plus the same comparison inside one process (rules and ignore
 * comments vs the parse alone), which leaves out start-up. Runs alternate which side goes first.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './apply-bench.js';
import { measure, type Command } from './measure.js';
import { pgvBin } from './cluster.js';
import { lintScript } from '../lib/lint/lint.js';
import { loadParser } from '../lib/lint/parse.js';
import { defaultLintSettings } from '../lib/lint/settings.js';
import { prepareScript } from '../lib/sql/script.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** A realistic migration: a table, a column, an index, a constraint, some data; every tenth with an ignore comment. */
export function lintWorkloadScript(n: number): string {
  return [
    `CREATE TABLE IF NOT EXISTS t${n} (id bigint PRIMARY KEY, name text NOT NULL, created timestamptz NOT NULL DEFAULT now());`,
    `ALTER TABLE orders ADD COLUMN c${n} integer;`,
    `CREATE INDEX orders_c${n}_idx ON orders (c${n});`,
    ...(n % 10 === 0 ? ['-- squawk-ignore constraint-missing-not-valid'] : []),
    `ALTER TABLE orders ADD CONSTRAINT orders_c${n}_check CHECK (c${n} >= 0);`,
    `INSERT INTO t${n} (id, name) SELECT g, 'row ' || g FROM generate_series(1, 10) g;`,
    `UPDATE orders SET c${n} = 0 WHERE c${n} IS NULL;`,
    '',
  ].join('\n');
}

/** Run `reps` measured rounds after one warm-up. */
export async function runLintBench(temp: string, options: { scripts: number; reps: number; log: (line: string) => void }): Promise<Measurement[]> {
  const dir = path.join(temp, 'lint-scripts');
  mkdirSync(dir, { recursive: true });
  for (let n = 1; n <= options.scripts; n++) writeFileSync(path.join(dir, `update${n}.sql`), lintWorkloadScript(n));
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const floorFile = path.join(temp, 'parse-floor.mjs');
  // The floor: the parser and the file reads, nothing of pgv.
  writeFileSync(
    floorFile,
    `import { loadModule, parseSync } from ${JSON.stringify(path.join(repoRoot, 'node_modules', 'libpg-query', 'wasm', 'index.js'))};\n` +
      `import { readFileSync, readdirSync } from 'node:fs';\nawait loadModule();\nlet n = 0;\n` +
      `for (const f of readdirSync(process.argv[2])) n += parseSync(readFileSync(process.argv[2] + '/' + f, 'utf8')).stmts.length;\nconsole.log(n);\n`,
  );
  const pgv: Command = { file: process.execPath, args: [pgvBin, 'lint', ...files], cwd: dir, env: { NO_COLOR: '1' } };
  const floor: Command = { file: process.execPath, args: [floorFile, dir], cwd: dir };
  const cli = { pgv: [] as number[], floor: [] as number[] };
  const inProcess = { pgv: [] as number[], floor: [] as number[] };
  const parser = await loadParser();
  const texts = files.map((f) => prepareScript(lintWorkloadScript(Number(/\d+/.exec(f)![0]))));
  for (let round = 0; round <= options.reps; round++) {
    const first = round % 2 === 0;
    const a = first ? await measure(pgv) : undefined;
    const b = await measure(floor);
    const lint = a ?? (await measure(pgv));
    if (!/\d+ findings? .* 1000 scripts linted/.test(lint.stdout)) throw new Error(`pgv lint printed:\n${lint.stdout.slice(-500)}`);
    let lintMs: number;
    let parseMs: number;
    if (first) {
      lintMs = timeLint();
      parseMs = timeParse();
    } else {
      parseMs = timeParse();
      lintMs = timeLint();
    }
    if (round === 0) continue;
    cli.pgv.push(lint.ms);
    cli.floor.push(b.ms);
    inProcess.pgv.push(lintMs);
    inProcess.floor.push(parseMs);
    options.log(`lint round ${round}: pgv lint ${Math.round(lint.ms)} ms vs parse-only process ${Math.round(b.ms)} ms; in process ${lintMs.toFixed(1)} ms vs ${parseMs.toFixed(1)} ms`);
  }
  return [
    { name: `pgv lint of ${options.scripts} scripts (CLI)`, unit: 'ms', goal: 1.5, pgv: cli.pgv, floor: cli.floor, floorDescription: 'node: load libpg-query, read and parse the same files' },
    { name: `lintScript × ${options.scripts} in process`, unit: 'ms', goal: 1.5, pgv: inProcess.pgv, floor: inProcess.floor, floorDescription: 'parseSync of the same texts' },
  ];

  function timeLint(): number {
    const t0 = performance.now();
    for (const [k, p] of texts.entries()) lintScript({ file: files[k]!, text: p.sql, transactional: p.transactional }, defaultLintSettings, parser);
    return performance.now() - t0;
  }
  function timeParse(): number {
    const t0 = performance.now();
    for (const p of texts) parser.parse(p.sql);
    return performance.now() - t0;
  }
}
