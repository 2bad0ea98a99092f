/**
 * What a dump file is: its format (from the bytes, not the name) and, for archives, what the
 * table of contents that `pg_restore -l` prints says. The parsing functions are pure; `detectFormat`
 * reads the first bytes of the file.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { PgvError } from '../errors.js';

/** pg_dump's output formats. */
export type DumpFormat = 'custom' | 'directory' | 'plain' | 'tar';

/** Every format, in the order help texts list them. */
export const dumpFormats: readonly DumpFormat[] = ['custom', 'directory', 'plain', 'tar'];

/** The format `pgv dump` writes when none is given: plain for `.sql`, tar for `.tar`, otherwise custom. Pure. */
export function formatForName(file: string): DumpFormat {
  const ext = path.extname(file).toLowerCase();
  return ext === '.sql' ? 'plain' : ext === '.tar' ? 'tar' : 'custom';
}

/** The format of a file from its first bytes (4 KiB are plenty), or why it is not a dump. Pure. */
export function sniffFormat(head: Uint8Array): { format: Exclude<DumpFormat, 'directory'> } | { problem: string; hint: string } {
  const bytes = Buffer.from(head);
  if (bytes.length === 0) return { problem: 'the file is empty', hint: 'Make a dump with `pgv dump`.' };
  if (bytes.subarray(0, 5).toString('latin1') === 'PGDMP') return { format: 'custom' };
  if (bytes.length >= 262 && bytes.subarray(257, 262).toString('latin1') === 'ustar') {
    // pg_dump's tar archives start with their table of contents.
    const first = bytes.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    return first === 'toc.dat'
      ? { format: 'tar' }
      : { problem: `a tar file whose first member is "${first}", not pg_dump's toc.dat`, hint: 'pgv restore reads tar archives written by pg_dump --format=tar.' };
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    return { problem: 'a gzip-compressed file', hint: 'Decompress it first (gunzip FILE); pg_dump\'s custom and directory formats compress by themselves.' };
  }
  if (bytes.includes(0)) return { problem: 'a binary file that is not a pg_dump archive', hint: 'pgv restore reads pg_dump\'s custom, directory, tar and plain formats.' };
  const text = bytes.toString('utf8');
  if (/PostgreSQL database cluster dump/.test(text)) {
    return { problem: 'a pg_dumpall file (a whole cluster: roles, several databases)', hint: 'Restore it as a superuser with `psql -X -f FILE postgres`; pgv restore reads one database\'s dump.' };
  }
  if (/PostgreSQL database dump/.test(text)) return { format: 'plain' };
  return {
    problem: 'a text file without pg_dump\'s "PostgreSQL database dump" header',
    hint: 'pgv restore reads files that pg_dump wrote; run a SQL script of your own with `psql -X -1 -f FILE`.',
  };
}

/**
 * The format of the dump at `file` (a file, or a directory-format dump's folder). Throws
 * PgvError `file_not_found` or `not_a_dump`, naming the file.
 */
export function detectFormat(file: string): DumpFormat {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new PgvError('file_not_found', `${file} does not exist`, {
      hint: 'Check the path given with -f (relative paths are taken from the current directory).',
      data: { file },
    });
  }
  if (stat.isDirectory()) {
    if (existsSync(path.join(file, 'toc.dat'))) return 'directory';
    throw new PgvError('not_a_dump', `${file} is a directory without toc.dat, not a directory-format dump`, {
      hint: 'Give the folder that pg_dump --format=directory (or pgv dump --format directory) wrote.',
      data: { file },
    });
  }
  const head = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const sniffed = sniffFormat(head.subarray(0, read));
  if ('format' in sniffed) return sniffed.format;
  throw new PgvError('not_a_dump', `${file} is not a dump: ${sniffed.problem}`, { hint: sniffed.hint, data: { file } });
}

/** What an archive's table of contents says (`pg_restore -l`). */
export interface TableOfContents {
  /** Entries that a restore processes: the count behind "objects restored / total". */
  readonly entries: number;
  /** The database the dump was taken from. */
  readonly database?: string;
  readonly dumpedFrom?: string;
  readonly dumpedBy?: string;
  /**
   * The entry that creates schema public (`5; 2615 2200 SCHEMA - public postgres`): dumps by
   * pg_dump before 11, or of `-n public`, have it, and it fails on a target that has the schema.
   */
  readonly publicSchemaEntry?: string;
}

/** Parse `pg_restore -l` output. Pure. */
export function parseToc(text: string): TableOfContents {
  let entries = 0;
  let database: string | undefined;
  let dumpedFrom: string | undefined;
  let dumpedBy: string | undefined;
  let publicSchemaEntry: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\d+; \d+ \d+ SCHEMA - public( |$)/.test(line)) publicSchemaEntry = line;
    if (line.startsWith(';')) {
      const header = /^;\s+(dbname|Dumped from database version|Dumped by pg_dump version):\s*(.*)$/.exec(line);
      if (header?.[1] === 'dbname') database = header[2];
      else if (header?.[1] === 'Dumped from database version') dumpedFrom = header[2];
      else if (header?.[1] === 'Dumped by pg_dump version') dumpedBy = header[2];
    } else if (/^\d+;/.test(line)) entries++;
  }
  return { entries, ...(database ? { database } : {}), ...(dumpedFrom ? { dumpedFrom } : {}), ...(dumpedBy ? { dumpedBy } : {}), ...(publicSchemaEntry ? { publicSchemaEntry } : {}) };
}
