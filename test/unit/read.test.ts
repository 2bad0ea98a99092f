import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readScriptFile } from '../../lib/recipes/read.js';
import { isPgvError } from '../../lib/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pgv-read-'));
const write = (name: string, bytes: Buffer) => {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
};
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('the checksum is the sha256 of the bytes, for text with a BOM, emoji and CRLF', () => {
  const bytes = Buffer.from('\uFEFF-- 😀 ü\r\nSELECT 1;\n', 'utf8');
  const content = readScriptFile(write('bom.sql', bytes));
  assert.is(content.checksum, sha(bytes));
  assert.is(content.text, ' -- 😀 ü\r\nSELECT 1;\n', 'the BOM becomes a space');
});

test('a file that holds U+FFFD itself is valid UTF-8 text, with the checksum of its bytes', () => {
  const bytes = Buffer.from("SELECT '\uFFFD';\n", 'utf8');
  const content = readScriptFile(write('replacement.sql', bytes));
  assert.is(content.text, "SELECT '\uFFFD';\n");
  assert.is(content.checksum, sha(bytes));
});

test('a Latin-1 file is refused as not UTF-8', () => {
  const file = write('latin1.sql', Buffer.from("SELECT 'caf\xe9';\n", 'latin1'));
  try {
    readScriptFile(file);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.ok(isPgvError(e));
    assert.is((e as { code: string }).code, 'scripts_invalid');
    assert.is((e as Error).message, `${file}: not UTF-8 text`);
  }
});

test.run();
