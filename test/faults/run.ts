/**
 * `npm run test:faults`: start a throwaway PostgreSQL cluster of its own (so cases may restart it
 * without disturbing other suites), run every fault case (pgv as a real child process against the
 * real server), and print one table: case, runs, passed, invariant violations, kill points and
 * fuzz inputs tried. `npm run test:faults -- NAME` runs the cases whose name contains NAME.
 * Exits 1 when any run broke an invariant.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterLayout, startServer, stopServer } from '../../lib/server/embedded.js';
import type { EmbeddedServerConfig } from '../../lib/config/types.js';

const caseModules = ['./kill.case.js', './server.case.js', './concurrency.case.js', './input.case.js', './secrets.case.js'];

async function main(): Promise<number> {
  const temp = mkdtempSync(path.join(os.tmpdir(), 'pgv-faults-'));
  chmodSync(temp, 0o755);
  const server: EmbeddedServerConfig = { mode: 'embedded', dir: path.join(temp, 'cluster'), port: 5432, tcp: false, settings: { max_connections: '200' } };
  try {
    await startServer(server, { env: process.env, throwaway: true });
    const layout = clusterLayout(server);
    Object.assign(process.env, { PGV_TEST_SOCKET_DIR: layout.socketDir, PGV_TEST_PORT: String(layout.port), PGV_TEST_TEMP: temp, PGV_FAULTS_CLUSTER: server.dir });
    const { Tally } = await import('./harness.js');
    const filter = process.argv[2] ?? '';
    const rows: { name: string; tally: InstanceType<typeof Tally>; ms: number }[] = [];
    for (const m of caseModules) {
      const { cases } = (await import(m)) as { cases: import('./harness.js').FaultCase[] };
      for (const c of cases) {
        if (!c.name.includes(filter)) continue;
        const tally = new Tally();
        const t0 = Date.now();
        try {
          await c.run(tally);
        } catch (e) {
          tally.check('the case itself', [`threw: ${(e as Error)?.stack ?? String(e)}`]);
        }
        rows.push({ name: c.name, tally, ms: Date.now() - t0 });
        const v = tally.violations.length;
        console.error(`${v ? '✖' : '✔'} ${c.name}: ${tally.passed}/${tally.runs} runs passed (${(Date.now() - t0) / 1000} s)`);
        for (const line of tally.violations) console.error(`    ${line.replace(/\n/g, '\n    ')}`);
      }
    }
    console.log(table(rows));
    return rows.some((r) => r.tally.violations.length > 0) || rows.length === 0 ? 1 : 0;
  } finally {
    await stopServer(server, { env: process.env }).catch((e) => console.error(`could not stop the fault cluster: ${e}`));
    rmSync(temp, { recursive: true, force: true });
  }
}

function table(rows: { name: string; tally: { runs: number; passed: number; violations: string[]; killPoints: number; fuzzInputs: number }; ms: number }[]): string {
  const head = ['case', 'runs', 'passed', 'violations', 'kill points', 'fuzz inputs', 'seconds'];
  const body = rows.map((r) => [r.name, r.tally.runs, r.tally.passed, r.tally.violations.length, r.tally.killPoints, r.tally.fuzzInputs, (r.ms / 1000).toFixed(1)].map(String));
  const sum = (i: number) => String(body.reduce((s, r) => s + Number(r[i]), 0));
  body.push(['total', sum(1), sum(2), sum(3), sum(4), sum(5), Number(sum(6)).toFixed(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w, i) => (i === 0 ? '-' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...body.map(line)].join('\n');
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
