/**
 * Names of the databases a versioned working database uses: one per snapshot (`shop~3`), the copy
 * a revert builds (`shop~revert`) and the previous working database while it is dropped
 * (`shop~discard`). Pure. Every name fits PostgreSQL's 63-byte identifier limit (NAMEDATALEN - 1):
 * a long working name is cut at a character boundary and followed by a hash of the full name, so
 * two working names that share a long prefix still get distinct snapshot names.
 */
import { createHash } from 'node:crypto';
import { byteLength, maxIdentifierBytes, truncateUtf8 } from '../db/ident.js';

/** Hex digits of the working name's hash used when it has to be shortened. */
const hashLength = 8;

/** The database that holds snapshot `revision` of `working`. */
export function snapshotDatabaseName(working: string, revision: number): string {
  if (!Number.isInteger(revision) || revision < 0) throw new RangeError(`not a revision: ${revision}`);
  return derivedName(working, `~${revision}`);
}

/** The copy a revert builds before it swaps names with the working database. */
export function revertCopyName(working: string): string {
  return derivedName(working, '~revert');
}

/** The previous working database between the swap and its drop. */
export function discardName(working: string): string {
  return derivedName(working, '~discard');
}

/** `working` + `suffix`, shortened (cut + `~` + hash) to fit 63 bytes when needed. */
export function derivedName(working: string, suffix: string): string {
  if (byteLength(working) + byteLength(suffix) <= maxIdentifierBytes) return working + suffix;
  const hash = createHash('sha256').update(working, 'utf8').digest('hex').slice(0, hashLength);
  const room = maxIdentifierBytes - byteLength(suffix) - 1 - hashLength;
  return `${truncateUtf8(working, room)}~${hash}${suffix}`;
}
