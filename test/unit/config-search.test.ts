/**
 * The config search without cosmiconfig (lib/config/load.ts `searchWithoutCosmiconfig`) answers
 * exactly what cosmiconfig's search answers, for every layout where it answers at all.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { searchWithCosmiconfig, searchWithoutCosmiconfig } from '../../lib/config/load.js';

const part = 'parts:\n  app: {recipe: schema, dbname: app, schema: db}\n';

/** A project folder (its own package.json bounds the search) with `files`; `null` makes a folder. */
function layout(files: Record<string, string | null>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pgv-search-'));
  writeFileSync(path.join(root, 'package.json'), files['package.json'] ?? '{"name": "x"}');
  mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (name === 'package.json') continue;
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    if (content === null) mkdirSync(path.join(root, name), { recursive: true });
    else writeFileSync(path.join(root, name), content);
  }
  return root;
}

const cases: Array<{ name: string; files: Record<string, string | null>; from: string; quick: 'file' | 'none' | 'cosmiconfig'; expect?: string }> = [
  { name: 'a pgv.config.yaml two folders up', files: { 'pgv.config.yaml': part }, from: 'a/b', quick: 'file', expect: 'pgv.config.yaml' },
  { name: 'nothing to find', files: {}, from: 'a/b', quick: 'none' },
  { name: 'the nearest folder wins', files: { 'a/.pgvrc': part, 'pgv.config.yaml': part }, from: 'a/b', quick: 'file', expect: 'a/.pgvrc' },
  { name: 'search places in order within a folder', files: { '.pgvrc.json': '{"parts": {}}', 'pgv.config.yaml': part }, from: '.', quick: 'file', expect: '.pgvrc.json' },
  { name: 'a package.json in between stops the search', files: { 'a/package.json': '{"name": "inner"}', 'pgv.config.yaml': part }, from: 'a/b', quick: 'none' },
  { name: 'package.json with a "pgv" key', files: { 'package.json': `{"name": "x", "pgv": {"parts": {}}}`, 'pgv.config.yaml': part }, from: 'a', quick: 'cosmiconfig', expect: 'package.json' },
  { name: 'an empty file is skipped', files: { 'a/pgv.config.yaml': '  \n', 'pgv.config.json': '{"parts": {}}' }, from: 'a/b', quick: 'cosmiconfig', expect: 'pgv.config.json' },
  { name: 'a folder named like a config', files: { 'pgv.config.yaml': null, 'pgv.config.json': '{"parts": {}}' }, from: '.', quick: 'cosmiconfig', expect: 'pgv.config.json' },
];

for (const c of cases) {
  test(`config search without cosmiconfig: ${c.name}`, async () => {
    const root = layout(c.files);
    const from = path.join(root, c.from);
    const quick = searchWithoutCosmiconfig(from);
    const full = await searchWithCosmiconfig(from);
    assert.is(full, c.expect === undefined ? null : path.join(root, c.expect), 'cosmiconfig finds the expected file');
    if (c.quick === 'cosmiconfig') assert.is(quick, undefined, 'leaves the answer to cosmiconfig');
    else assert.is(quick, full, 'answers what cosmiconfig answers');
    assert.is(quick === null ? 'none' : quick === undefined ? 'cosmiconfig' : 'file', c.quick);
  });
}

test('a meta config of cosmiconfig in the working folder leaves the search to cosmiconfig', () => {
  const root = layout({ '.config/config.yaml': 'cosmiconfig:\n  searchPlaces: [pgv.yaml]\n', 'pgv.config.yaml': part });
  assert.is(searchWithoutCosmiconfig(root, root), undefined);
  assert.is(searchWithoutCosmiconfig(root, path.join(root, 'a')), path.join(root, 'pgv.config.yaml'));
});

test.run();
