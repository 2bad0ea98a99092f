/**
 * The bench's workload, written to disk: a schema directory of tiny update scripts, the pgv
 * config that applies it, and the floor's single SQL file that does the same work the cheapest
 * way (one psql session, per script `BEGIN; script; ledger insert; COMMIT;`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { QualifiedName } from '../lib/config/types.js';
import { createLedgerSql } from '../lib/db/ledger.js';
import { quoteLiteral, quoteQualified } from '../lib/db/ident.js';
import { pgvVersion } from '../lib/version.js';
import type { BenchCluster } from './cluster.js';

/** The ledger both sides write: pgv's default, created by pgv's own DDL on the floor side. */
export const ledgerTable: QualifiedName = { schema: 'pgv', name: 'upgrades' };

/** The text of updateN.sql: odd N create a table, even N insert a row into the one before. */
export function updateScript(n: number): string {
  return n % 2 ? `CREATE TABLE t${n} (id int);\n` : `INSERT INTO t${n - 1} (id) VALUES (${n});\n`;
}

/** Write update1.sql … updateN.sql into `dir` (created); returns `dir`. */
export function writeSchemaDirectory(dir: string, count: number): string {
  mkdirSync(dir, { recursive: true });
  for (let n = 1; n <= count; n++) writeFileSync(path.join(dir, `update${n}.sql`), updateScript(n));
  return dir;
}

/** The recipes the bench applies: a schema directory (updateN.sql) or a delta directory (delta_1.0.N.sql). */
export type Recipe = 'schema' | 'deltas';

/** The file name and version of the bench's script N in a recipe. */
export function scriptName(recipe: Recipe, n: number): { name: string; version: string; kind: string } {
  return recipe === 'schema' ? { name: `update${n}.sql`, version: String(n), kind: 'update' } : { name: `delta_1.0.${n}.sql`, version: `1.0.${n}`, kind: 'delta' };
}

/** Write the recipe's N tiny scripts (updateScript's texts) into `dir` (created); returns `dir`. */
export function writeScriptDirectory(recipe: Recipe, dir: string, count: number): string {
  if (recipe === 'schema') return writeSchemaDirectory(dir, count);
  mkdirSync(dir, { recursive: true });
  for (let n = 1; n <= count; n++) writeFileSync(path.join(dir, scriptName('deltas', n).name), updateScript(n));
  return dir;
}

/** Write a pgv config with one schema part `bench` on database `dbname`; returns its path. */
export function writeConfig(file: string, cluster: BenchCluster, dbname: string, schemaDir: string, recipe: Recipe = 'schema'): string {
  const yaml = [
    'connection:',
    `  host: ${JSON.stringify(cluster.socketDir)}`,
    `  port: ${cluster.port}`,
    '  user: postgres',
    'parts:',
    '  bench:',
    `    recipe: ${recipe}`,
    `    dbname: ${dbname}`,
    `    ${recipe === 'schema' ? 'schema' : 'deltas'}: ${JSON.stringify(schemaDir)}`,
    '',
  ].join('\n');
  writeFileSync(file, yaml);
  return file;
}

/**
 * Write the floor's psql file: the ledger DDL, then per script one transaction with the script
 * and a ledger row carrying the same columns pgv writes (sha256 checksum included).
 */
export function writeFloorSql(file: string, count: number, recipe: Recipe = 'schema'): string {
  const table = quoteQualified(ledgerTable);
  const parts = [`BEGIN;\n${createLedgerSql(ledgerTable)};\nCOMMIT;\n`];
  for (let n = 1; n <= count; n++) {
    const text = updateScript(n);
    const checksum = createHash('sha256').update(text).digest('hex');
    const { name, version, kind } = scriptName(recipe, n);
    const values = [version, name, kind, checksum].map(quoteLiteral).join(', ');
    parts.push(
      `BEGIN;\n${text}INSERT INTO ${table} (version, script, kind, checksum, duration_ms, success, pgv_version, installed_by) ` +
        `VALUES (${values}, 0, true, ${quoteLiteral(pgvVersion)}, session_user);\nCOMMIT;\n`,
    );
  }
  writeFileSync(file, parts.join(''));
  return file;
}
