/**
 * What pgv remembers across runs about the programs it finds: the `--version` of a compiled
 * program and what `pg_config --bindir` printed, each kept with the signatures (device, inode,
 * size, mode, mtime, ctime) of the files and folders its answer depends on, and used only while
 * every one of them still matches. Finding pg_dump on Debian otherwise starts five programs
 * (pg_config is a shell script running ls, tail and the real pg_config, then `pg_dump --version`).
 *
 * The cache is `$XDG_CACHE_HOME/pgv/tools.json` (default `~/.cache/pgv/tools.json`; the folder
 * made with mode 0700), written whole under a temporary name and renamed. A cache that cannot be
 * read, is not the user's own, is writable by others or does not parse is ignored, never an
 * error. `PGV_NO_CACHE=1` turns it off; within one process the answers are remembered in memory
 * all the same (validated the same way), so a dump and a restore in one run probe once.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** One remembered answer: `value`, valid while each file of `deps` has the signature recorded. */
interface Entry {
  readonly value: string;
  readonly deps: Readonly<Record<string, string>>;
  /** When it was written (ms since 1970): the oldest go first when the cache is full. */
  readonly at: number;
}

interface CacheFile {
  readonly format: 1;
  readonly entries: Record<string, Entry>;
}

/** Entries kept in the file; the oldest are dropped beyond this (temporary tool folders of tests, old versions). */
const maxEntries = 200;

/** Answers seen in this process, whatever the cache file says (validated before each use all the same). */
const memory = new Map<string, Entry>();
/** The cache file as read once per process and path (undefined: absent or unusable). */
const loaded = new Map<string, CacheFile | undefined>();

/** Is the cache across runs turned off (PGV_NO_CACHE set to anything but empty or 0)? */
export function cacheDisabled(env: Env): boolean {
  const v = env.PGV_NO_CACHE;
  return v !== undefined && v !== '' && v !== '0';
}

/** The cache file for `env`: `$XDG_CACHE_HOME/pgv/tools.json` (an absolute XDG_CACHE_HOME only) or `~/.cache/pgv/tools.json`. */
export function cacheFile(env: Env): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  let base: string;
  if (xdg && path.isAbsolute(xdg)) base = xdg;
  else {
    const home = env.HOME || safeHomedir();
    if (!home || !path.isAbsolute(home)) return undefined;
    base = path.join(home, '.cache');
  }
  return path.join(base, 'pgv', 'tools.json');
}

function safeHomedir(): string | undefined {
  try {
    return os.homedir();
  } catch {
    return undefined;
  }
}

/**
 * A file's or folder's signature (following symlinks): device, inode, size, mode, mtime and
 * ctime in nanoseconds (ctime moves on every write, chmod, chown and link), or `missing`.
 */
export function signature(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mode}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/** The signatures of `files` now: take them before running the program whose answer depends on them. */
export function signatures(files: readonly string[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f, signature(f)]));
}

/** Is `file` a compiled program (ELF, Mach-O)? Its `--version` is then built in; a script's may depend on anything. */
export function isCompiledProgram(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(4);
    if (readSync(fd, head, 0, 4, 0) < 4) return false;
    const magic = head.readUInt32BE(0);
    return magic === 0x7f454c46 || [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The remembered answer for `key`, if every file it depends on is unchanged. */
export function recall(key: string, env: Env): string | undefined {
  const entry = memory.get(key) ?? (cacheDisabled(env) ? undefined : readCache(env)?.entries[key]);
  if (!entry) return undefined;
  for (const [file, sig] of Object.entries(entry.deps)) {
    if (signature(file) !== sig) {
      memory.delete(key);
      return undefined;
    }
  }
  memory.set(key, entry);
  return entry.value;
}

/** Remember `value` for `key`, valid while `deps` (signatures taken before the program ran) hold. */
export function remember(key: string, value: string, deps: Readonly<Record<string, string>>, env: Env): void {
  if (Object.values(deps).length === 0) return;
  const entry: Entry = { value, deps, at: Date.now() };
  memory.set(key, entry);
  if (!cacheDisabled(env)) update(env, (entries) => void (entries[key] = entry));
}

/** Forget `key` (a remembered program that no longer runs). */
export function forget(key: string, env: Env): void {
  memory.delete(key);
  if (!cacheDisabled(env)) update(env, (entries) => void delete entries[key]);
}

/** The cache file's content, if it is the user's own, not writable by others, and well-formed. */
function readCache(env: Env): CacheFile | undefined {
  const file = cacheFile(env);
  if (!file) return undefined;
  if (loaded.has(file)) return loaded.get(file);
  const content = readOwnFile(file);
  loaded.set(file, content);
  return content;
}

function readOwnFile(file: string): CacheFile | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    // Another user's file (or one others may write) could point pgv at any program: not trusted.
    if (!stat.isFile() || (process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o022) !== 0) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(fd, 'utf8'));
    return isCacheFile(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isCacheFile(v: unknown): v is CacheFile {
  if (typeof v !== 'object' || v === null || (v as { format?: unknown }).format !== 1) return false;
  const entries = (v as { entries?: unknown }).entries;
  if (typeof entries !== 'object' || entries === null) return false;
  return Object.values(entries).every(
    (e: unknown) =>
      typeof e === 'object' && e !== null && typeof (e as Entry).value === 'string' && typeof (e as Entry).at === 'number' &&
      typeof (e as Entry).deps === 'object' && (e as Entry).deps !== null && Object.values((e as Entry).deps).every((s) => typeof s === 'string'),
  );
}

/**
 * Re-read the file (other runs may have written to it), change it, and write it whole under a
 * temporary name renamed into place. Any failure (read-only home, full disk) leaves it as it was.
 */
function update(env: Env, change: (entries: Record<string, Entry>) => void): void {
  const file = cacheFile(env);
  if (!file) return;
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const dir = path.dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const current = readOwnFile(file);
    const entries: Record<string, Entry> = { ...(current?.entries ?? {}) };
    change(entries);
    const kept = Object.entries(entries).sort((a, b) => b[1].at - a[1].at).slice(0, maxEntries);
    const content: CacheFile = { format: 1, entries: Object.fromEntries(kept) };
    writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
    loaded.set(file, content);
  } catch {
    rmSync(temp, { force: true });
  }
}
