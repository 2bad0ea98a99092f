/** Reading script files: bytes → checksum and text, with a clear error for non-text files. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { PgvError } from '../errors.js';

/** A file's text and the checksums of its bytes. */
export interface FileContent {
  readonly text: string;
  readonly checksum: string;
  /** md5 of the bytes, hex (pum's checksum). */
  readonly md5: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

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
  const hash = (algorithm: string) => (typeof source === 'string' ? createHash(algorithm).update(source, 'utf8') : createHash(algorithm).update(source)).digest('hex');
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1); // a BOM keeps its column
  return { text, checksum: hash('sha256'), md5: hash('md5') };
}

/** The names of the regular files in a directory, sorted. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
}
