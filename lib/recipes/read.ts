/** Reading script files: bytes → checksum and text, with a clear error for non-text files. */
import * as crypto from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { PgvError } from '../errors.js';

/** A file's text and the checksums of its bytes. */
export interface FileContent {
  readonly text: string;
  /** sha256 of the bytes, hex. */
  readonly checksum: string;
  /** md5 of the bytes, hex (pum's checksum): computed when first read, which few paths do. */
  readonly md5: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One-shot hashing (Node ≥ 20.12: `crypto.hash`, several times faster than createHash for small files). */
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;

/** The hex digest of a text (as UTF-8) or of bytes. */
export function digest(algorithm: 'sha256' | 'md5', data: string | Buffer): string {
  if (oneShot) return oneShot(algorithm, data, 'hex');
  return (typeof data === 'string' ? crypto.createHash(algorithm).update(data, 'utf8') : crypto.createHash(algorithm).update(data)).digest('hex');
}

/** Read a script file; PgvError when it is not UTF-8 text. */
export function readScriptFile(file: string): FileContent {
  // Read as text (one call into Node's C++ reader). Without U+FFFD, the text was valid UTF-8 and
  // encodes back to the very bytes of the file, so hashing the text hashes the file. With it, look
  // at the bytes: the file may be no UTF-8 at all.
  let text = readFileSync(file, 'utf8');
  let source: Buffer | string = text;
  if (text.includes('\uFFFD')) {
    const bytes = readFileSync(file);
    source = bytes;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new PgvError('scripts_invalid', `${file}: not UTF-8 text`, {
        hint: 'Save the script as UTF-8 (iconv -f LATIN1 -t UTF-8 …).',
        data: { file },
      });
    }
  }
  const checksum = digest('sha256', source);
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1); // a BOM keeps its column
  let md5: string | undefined;
  return {
    text,
    checksum,
    get md5() {
      return (md5 ??= digest('md5', source));
    },
  };
}

/** The names of the regular files in a directory, sorted. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
}
