/**
 * Choosing the server programs that run one cluster: the first in pgv's search order
 * (binaries.ts) that this process and the server account can run, of the major version that made
 * the cluster when it exists. A cluster is never started by another major's programs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PgvError } from '../errors.js';
import { runProgram } from '../tools/run.js';
import { missingServer, serverCandidates, type ServerBinaries } from './binaries.js';
import { copyNativeTree, isNativeTree, restoreLibraryLinks } from './npm-binaries.js';
import type { ServerAccount } from './account.js';
import type { ClusterLayout } from './cluster.js';

/** Server programs ready to run, with their version. */
export interface ChosenBinaries extends ServerBinaries {
  /** `15.18`. */
  readonly version: string;
  readonly major: number;
  /** Where the programs were found, when `binDir` is a copy that the server account can reach. */
  readonly copiedFrom?: string;
}

const recordFile = 'binaries.json';

/**
 * The programs for the cluster of `layout`: of the major in its PG_VERSION when initialized.
 * Throws `server_binaries_missing` when none are found, `server_version_mismatch` when only other
 * majors are.
 */
export async function chooseServerBinaries(layout: ClusterLayout, env: Readonly<Record<string, string | undefined>>, account: ServerAccount | null): Promise<ChosenBinaries> {
  const clusterMajor = clusterMajorOf(layout);
  const tried: string[] = [];
  const others: ChosenBinaries[] = [];
  for await (const candidate of serverCandidates(env, tried)) {
    const ready = await prepare(candidate, account, tried);
    if (!ready) continue;
    if (clusterMajor === undefined || ready.major === clusterMajor) return ready;
    others.push(ready);
    if (candidate.origin === 'PGV_PG_BINDIR') break; // an explicit choice is not overridden
  }
  if (clusterMajor !== undefined && others.length) throw versionMismatch(layout, clusterMajor, others);
  throw missingServer(env, tried);
}

/** The programs that last started this cluster (written by `recordBinaries`), if any. */
export function recordedBinaries(layout: ClusterLayout): ChosenBinaries | undefined {
  try {
    const data = JSON.parse(readFileSync(path.join(layout.dir, recordFile), 'utf8')) as ChosenBinaries;
    return existsSync(path.join(data.binDir, 'pg_ctl')) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Remember which programs started the cluster, for `pgv server status` and stop. */
export function recordBinaries(layout: ClusterLayout, chosen: ChosenBinaries): void {
  writeFileSync(path.join(layout.dir, recordFile), JSON.stringify(chosen, null, 2) + '\n', { mode: 0o644 });
}

/** A line for `pgv server status`: `/usr/lib/postgresql/15/bin (PostgreSQL 15.18, installed PostgreSQL)`. Pure. */
export function describeBinaries(b: ChosenBinaries): string {
  const from = b.package ? `${b.origin} ${b.package}` : b.origin;
  return `${b.binDir} (PostgreSQL ${b.version}, ${from}${b.copiedFrom ? `, copied from ${b.copiedFrom}` : ''})`;
}

/** The major version that made the cluster (its data directory's PG_VERSION), if initialized. */
function clusterMajorOf(layout: ClusterLayout): number | undefined {
  try {
    const n = Number(readFileSync(path.join(layout.dataDir, 'PG_VERSION'), 'utf8').trim());
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Make a candidate runnable (library links, a reachable copy for the server account) and read
 * its version by running it as the server account; undefined (with the reason in `tried`) when
 * it cannot run.
 */
async function prepare(candidate: ServerBinaries, account: ServerAccount | null, tried: string[]): Promise<ChosenBinaries | undefined> {
  let binDir = candidate.binDir;
  const native = isNativeTree(binDir);
  if (native) {
    try {
      restoreLibraryLinks(binDir);
    } catch {
      binDir = copyNativeTree(binDir, `${candidate.package ?? 'pg'}-${process.getuid?.() ?? 'u'}`); // a read-only install: work on a copy
    }
  }
  let probe = await versionOf(binDir, account);
  if (!probe && native && account) {
    // As root: the server account cannot enter the folder (/root/…/node_modules). Copy where it can.
    binDir = copyNativeTree(binDir, candidate.package ?? path.basename(path.resolve(binDir, '..', '..')));
    probe = await versionOf(binDir, account);
  }
  if (!probe) {
    tried.push(`${candidate.binDir} (${candidate.origin}): ${account ? `"${account.name}" cannot run its postgres` : 'its postgres does not run'}`);
    return undefined;
  }
  return { ...candidate, binDir, ...probe, ...(binDir !== candidate.binDir ? { copiedFrom: candidate.binDir } : {}) };
}

async function versionOf(binDir: string, account: ServerAccount | null): Promise<{ version: string; major: number } | undefined> {
  const result = await runProgram(path.join(binDir, 'postgres'), ['--version'], { cwd: '/', env: { LC_ALL: 'C' }, ...(account ? { uid: account.uid, gid: account.gid } : {}) });
  const m = result.exitCode === 0 ? /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(result.stdout) : null;
  if (!m) return undefined;
  return { version: m[2] === undefined ? m[1]! : `${m[1]}.${m[2]}`, major: Number(m[1]) };
}

function versionMismatch(layout: ClusterLayout, clusterMajor: number, others: readonly ChosenBinaries[]): PgvError {
  const majors = [...new Set(others.map((o) => o.major))].join(', ');
  return new PgvError('server_version_mismatch', `the cluster in ${layout.dataDir} was made by PostgreSQL ${clusterMajor}; the server programs found are PostgreSQL ${majors}`, {
    hint:
      `A cluster runs only with the major version that made it. Keep PostgreSQL ${clusterMajor}: install its server (Debian/Ubuntu \`apt-get install postgresql-${clusterMajor}\`) ` +
      `or set PGV_PG_BINDIR to its bin folder. Or move on: with PostgreSQL ${clusterMajor} running, \`pgv dump\` each database, ` +
      `then \`pgv server stop --remove\`, and \`pgv apply\` and \`pgv restore\` on the new major.`,
    details: others.map((o) => `found ${describeBinaries(o)}`),
    data: { cluster_major: clusterMajor, found_majors: others.map((o) => o.major) },
  });
}
