/**
 * `npm test`: start one throwaway PostgreSQL cluster with pgv's own embedded-server code, run
 * every uvu suite against it (each test makes its own database), stop the cluster, exit with
 * the suites' status. Nothing skips for lack of a database.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clusterLayout, startServer, stopServer } from '../lib/server/embedded.js';
import type { EmbeddedServerConfig } from '../lib/config/types.js';
import { environmentFor } from './pg-major.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

async function main(): Promise<number> {
  // PGV_TEST_PG=N: the cluster, and every pgv the tests start, use PostgreSQL N's server programs.
  if (process.env.PGV_TEST_PG) Object.assign(process.env, await environmentFor(Number(process.env.PGV_TEST_PG), process.env, root));
  const temp = mkdtempSync(path.join(os.tmpdir(), 'pgv-test-'));
  // When tests run as root the server runs as an unprivileged account, which must reach this folder.
  chmodSync(temp, 0o755);
  const server: EmbeddedServerConfig = { mode: 'embedded', dir: path.join(temp, 'cluster'), port: 5432, tcp: false, settings: { max_connections: '200' } };
  const stop = async () => {
    await stopServer(server, { env: process.env }).catch((e) => console.error(`could not stop the test cluster: ${e}`));
    rmSync(temp, { recursive: true, force: true });
  };
  let child: ReturnType<typeof spawn> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    child?.kill(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const t0 = Date.now();
    await startServer(server, { env: process.env, throwaway: true });
    const layout = clusterLayout(server);
    console.log(`test cluster ready in ${Date.now() - t0} ms (socket ${layout.socketDir})`);
    // `npm test -- apply` runs the suites whose path contains "apply".
    const filter = process.argv[2];
    const pattern = filter ? `^(?=.*${filter}).*\\.test\\.js$` : '\\.test\\.js$';
    // uvu walks dist/test recursively; helpers do not match the pattern.
    return await new Promise<number>((resolve) => {
        child = spawn(process.execPath, [path.join(root, 'node_modules/uvu/bin.js'), 'dist/test', pattern], {
          cwd: root,
          stdio: ['inherit', 'pipe', 'inherit'],
          env: { ...process.env, PGV_TEST_SOCKET_DIR: layout.socketDir, PGV_TEST_PORT: String(layout.port), PGV_TEST_TEMP: temp },
        });
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          process.stdout.write(chunk);
          output += chunk.toString();
        });
        child.on('close', (code, signal) => {
          // uvu's totals, restated as the plain closing line CI systems read.
          const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
          const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
          const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
          const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
          const failed = total - passed - skipped;
          console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
          resolve((code ?? (signal ? 1 : 0)) || (failed > 0 || total === 0 ? 1 : 0));
        });
    });
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
