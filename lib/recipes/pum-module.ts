/**
 * pum 1.x modules, applied as they are: a directory with `.pum.yaml` and
 * `changelogs/<version>/*.sql` (or the `changelogs_directory` it names). Versions apply in version
 * order, the files of a version in name order; the module's `parameters:` (name, type, default)
 * fill pum 1.x's `{name}` placeholders (psycopg's `SQL.format`: a number unquoted, text quoted,
 * `{{` and `}}` for braces), the part's `variables:` over the defaults. A database that pum 1.x
 * manages (`<migration_table_schema>.pum_migrations`) continues from the version it records.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseYaml } from '../config/load.js';
import type { QualifiedName, Variable } from '../config/types.js';
import { PgvError } from '../errors.js';
import { prepareScript } from '../sql/script.js';
import { compareVersions } from '../util/versions.js';
import { listFiles, readScriptFile } from './read.js';
import type { Script, ScriptSet } from './types.js';
import { fillPlaceholders } from './variables.js';

/** The configuration file that makes a directory a pum 1.x module. */
const pumModuleFile = '.pum.yaml';

/** What pgv reads of a module's `.pum.yaml`. */
export interface PumModule {
  readonly file: string;
  /** `pum.module`, when set. */
  readonly name?: string;
  /** The table pum 1.x records versions in: `<pum.migration_table_schema>.pum_migrations`. */
  readonly migrationTable: QualifiedName;
  readonly changelogsDirectory: string;
  /** Parameter defaults as variables; a parameter without a default maps to null. */
  readonly parameters: Readonly<Record<string, Variable | null>>;
}

/** Is `directory` a pum 1.x module? */
export function isPumModule(directory: string): boolean {
  return existsSync(path.join(directory, pumModuleFile));
}

const parameterTypes: Record<string, Variable['type']> = { integer: 'int', decimal: 'float', text: 'text', path: 'text', boolean: 'boolean' };

/** Parse and check `.pum.yaml`; problems are collected, not thrown. Pure but for reading the file. */
function readPumModuleConfig(directory: string, problems: string[]): PumModule {
  const file = path.join(directory, pumModuleFile);
  let raw: unknown;
  try {
    raw = parseYaml(readScriptFile(file).text) ?? {};
  } catch (e) {
    problems.push(`${pumModuleFile}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    raw = {};
  }
  const config = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  const pum = (config.pum ?? {}) as Record<string, unknown>;
  const schema = typeof pum.migration_table_schema === 'string' ? pum.migration_table_schema : 'public';
  const changelogs = typeof config.changelogs_directory === 'string' ? config.changelogs_directory : 'changelogs';
  const parameters: Record<string, Variable | null> = {};
  for (const [k, p] of (Array.isArray(config.parameters) ? config.parameters : []).entries()) {
    const def = (p ?? {}) as Record<string, unknown>;
    const type = parameterTypes[String(def.type ?? 'text')];
    if (typeof def.name !== 'string' || !type) {
      problems.push(`${pumModuleFile}: parameters[${k}]: needs a name and a type (integer, decimal, text, path, boolean)`);
      continue;
    }
    parameters[def.name] = def.default === undefined || def.default === null ? null : { type, value: type === 'boolean' ? String(def.default === true || /^(1|true)$/i.test(String(def.default))) : String(def.default) };
  }
  return {
    file,
    ...(typeof pum.module === 'string' ? { name: pum.module } : {}),
    migrationTable: { schema, name: 'pum_migrations' },
    changelogsDirectory: path.resolve(directory, changelogs),
    parameters,
  };
}

/** The part's variables over the module's defaults, each typed as its parameter says. */
function parameterValues(module: PumModule, variables: Readonly<Record<string, Variable>>): Record<string, Variable> {
  const out: Record<string, Variable> = {};
  for (const [name, given] of Object.entries(variables)) out[name] = given;
  for (const [name, def] of Object.entries(module.parameters)) {
    const given = variables[name];
    if (given && def && given.type === 'text' && (def.type === 'int' || def.type === 'float' || def.type === 'boolean')) out[name] = { type: def.type, value: given.value };
    else if (!given && def) out[name] = def;
  }
  return out;
}

/** Read a module's changelogs into scripts; PgvError (before anything runs) on any problem. */
export function readPumModule(directory: string, variables: Readonly<Record<string, Variable>>): ScriptSet {
  const problems: string[] = [];
  const module = readPumModuleConfig(directory, problems);
  const values = parameterValues(module, variables);
  const updates: Script[] = [];
  let versions: string[] = [];
  try {
    versions = readdirSync(module.changelogsDirectory).filter((d) => statSync(path.join(module.changelogsDirectory, d)).isDirectory());
  } catch {
    problems.push(`changelogs directory ${module.changelogsDirectory} does not exist (changelogs_directory in ${pumModuleFile})`);
  }
  for (const v of versions) if (!/^\d+(\.\d+)*$/.test(v)) problems.push(`${path.relative(directory, path.join(module.changelogsDirectory, v))}: not a version (1.2.0)`);
  versions = versions.filter((v) => /^\d+(\.\d+)*$/.test(v)).sort(compareVersions);
  for (const version of versions) {
    const dir = path.join(module.changelogsDirectory, version);
    const files = listFiles(dir).filter((f) => f.endsWith('.sql'));
    if (files.length === 0) problems.push(`${path.relative(directory, dir)}: a changelog without .sql files`);
    for (const f of files) {
      const name = `${version}/${f}`;
      const file = path.join(dir, f);
      const content = readScriptFile(file);
      const filled = fillPlaceholders(content.text, { values, pum: false, braces: true });
      for (const p of filled.problems) problems.push(`${name}:${p.line}: ${p.message}`);
      const prepared = prepareScript(filled.text);
      for (const p of prepared.problems) problems.push(`${name}:${p.line}: ${p.message}`);
      updates.push({ name, path: file, version, kind: 'delta', checksum: content.checksum, md5: content.md5, prepared });
    }
  }
  if (versions.length === 0 && problems.length === 0) problems.push(`no changelogs in ${module.changelogsDirectory} (changelogs/<version>/*.sql)`);
  if (problems.length) {
    throw new PgvError('scripts_invalid', `${directory}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the pum module`, {
      details: problems,
      hint: 'Fix the files named above; nothing has been run.',
      data: { directory },
    });
  }
  const latest = updates.length ? updates[updates.length - 1]!.version : null;
  return { directory, updates, preconditions: new Map(), latest, pumModule: { migrationTable: module.migrationTable } };
}
