/**
 * Raw config files → a frozen, typed Config: follow `extends`, merge, substitute, validate
 * against the JSON Schema, normalize, check that directories exist. Every problem of every file
 * is reported at once in one `config_invalid` error.
 */
import path from 'node:path';
import { closest } from '../util/suggest.js';
import { statSync } from 'node:fs';
import { PgvError } from '../errors.js';
import { findConfigFile, readConfigFile } from './load.js';
import { exposedPasswordWarnings } from './secrets.js';
import { copyBounded, mergeInto, originOf, type Origins } from './merge.js';
import { substitute, type Env } from './substitute.js';
import { validateAgainst, type ConfigProblem } from './validate.js';
import { parseQualifiedName, parseDurationMs } from './values.js';
import { defaultLedger, type Config, type ConfigLocation, type ConnectionOptions, type PartTemplate, type EmbeddedServerConfig, type LintOptions, type LintRuleSetting, type Part, type RecipeName, type Variable } from './types.js';
import { parseVariable } from './variables.js';
import { locationOf, rolloutOf, serversOf, templateOf, type PartContext } from './fleet.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, Json>;

/** Where to find the config and what environment substitutions see. */
export interface LoadOptions {
  /** A config file given with -c; otherwise cosmiconfig searches from `cwd`. */
  readonly file?: string;
  readonly cwd: string;
  readonly env: Env;
}

/** Load, validate and normalize a config. Throws PgvError (exit 2) on any problem. */
export async function loadConfig(options: LoadOptions): Promise<Config> {
  const file = options.file ? path.resolve(options.cwd, options.file) : await findConfigFile(options.cwd);
  const { files, merged, origins, read } = await readWithExtends(file);
  const problems: Array<ConfigProblem & { file: string; line?: number | undefined }> = [];
  const report = (list: ConfigProblem[]) => {
    for (const p of list) {
      const at = originOf(origins, p.path, file);
      // Every problem names its line: that of the key it is about, found in the file's text
      // (lib/config/fleet.ts); read only when there is a problem to report.
      const line = p.path ? locationOf(at, p.path).line : undefined;
      problems.push({ ...p, file: at, ...(line ? { line } : {}) });
    }
  };

  const { value, problems: substitutionProblems } = substitute(merged, options.env);
  report(substitutionProblems);
  report(validateAgainst('pgv.config.schema.json', value));
  // Reported with the schema's problems, so that one run lists everything.
  report(checkReferences(value));
  // Missing directories too, in the same run (normalize finds them when nothing else is wrong).
  if (problems.length > 0) report(checkDirectories(value, (pointer) => path.dirname(originOf(origins, pointer, file))));
  let config: Config | undefined;
  if (problems.length === 0) {
    const normalized = normalize(value, file, files, origins, (pointer) => passwordOrigin(pointer, origins, read, file));
    report(normalized.problems);
    config = normalized.config;
  }
  if (problems.length > 0 || !config) throw invalid(file, problems);
  const empty = config.parts.length === 0 && config.templates.length === 0 ? [`${file} names no parts (\`parts: {}\`): there is nothing to plan or apply`] : [];
  return Object.freeze({ ...config, warnings: Object.freeze([...exposedPasswordWarnings(read), ...empty]) });
}

async function readWithExtends(file: string): Promise<{ files: string[]; merged: Obj; origins: Origins; read: Array<{ file: string; data: Obj }> }> {
  const order: Array<{ file: string; data: Obj }> = [];
  const visit = async (f: string, chain: string[]): Promise<void> => {
    if (chain.includes(f)) {
      throw new PgvError('config_invalid', `extends cycle: ${[...chain, f].join(' -> ')}`, {
        hint: 'Remove one of the `extends` entries so the files form a chain.',
        data: { file: f },
      });
    }
    if (order.some((o) => o.file === f)) return;
    const raw = await readConfigFile(f);
    const copied = copyBounded(raw.data);
    if ('tooBig' in copied) {
      throw new PgvError('config_invalid', `${raw.file}: the config is too large: ${copied.tooBig}`, {
        hint: 'A pgv config is a few dozen lines; check for runaway YAML aliases.',
        data: { file: raw.file },
      });
    }
    const data = copied.value;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new PgvError('config_invalid', `${raw.file}: must be a mapping of keys (parts:, connection:, ...), not ${Array.isArray(data) ? 'a list' : typeof data}`, {
        hint: 'Start from pgv.config.example.yaml.',
        data: { file: raw.file },
      });
    }
    const ext = data.extends;
    const bases = ext === undefined ? [] : typeof ext === 'string' ? [ext] : Array.isArray(ext) && ext.every((e) => typeof e === 'string') ? (ext as string[]) : null;
    if (bases === null) {
      throw new PgvError('config_invalid', `${raw.file}: /extends must be a file name or a list of file names`, { data: { file: raw.file } });
    }
    for (const [k, b] of bases.entries()) {
      try {
        await visit(path.resolve(path.dirname(raw.file), b), [...chain, f]);
      } catch (e) {
        // A base that is not there: name the line of the `extends` that names it.
        if (!(e instanceof PgvError) || e.code !== 'config_not_found' || (e.data as { file?: string } | undefined)?.file !== path.resolve(path.dirname(raw.file), b)) throw e;
        const at = locationOf(raw.file, `/extends${Array.isArray(ext) ? `/${k}` : ''}`);
        throw new PgvError('config_not_found', `${at.file}${at.line ? `:${at.line}` : ''}: extends ${b}: no such file (resolved to ${path.resolve(path.dirname(raw.file), b)})`, {
          hint: 'Fix the path in `extends` (relative to the file that names it).',
          data: { file: raw.file, ...(at.line ? { line: at.line } : {}), extends: b },
        });
      }
    }
    order.push({ file: raw.file, data });
  };
  await visit(file, []);

  const merged: Obj = {};
  const origins: Origins = new Map();
  for (const { file: f, data } of order) {
    const { extends: _ignored, ...rest } = data;
    mergeInto(merged, rest, f, origins);
  }
  return { files: order.map((o) => o.file), merged, origins, read: order };
}

/** Cross-references the schema cannot express: `after` names existing parts, no cycles. */
function checkReferences(value: Obj): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value.parts)) return problems; // the schema's problem
  const parts = value.parts as Record<string, Obj>;
  for (const [name, part] of Object.entries(parts)) {
    if (!isObject(part) || !(typeof part.after === 'string' || Array.isArray(part.after))) continue;
    for (const dep of asList(part.after)) {
      if (!(dep in parts)) {
        const guess = closest(dep, Object.keys(parts).filter((n) => n !== name));
        problems.push({ path: `/parts/${name}/after`, message: `names part "${dep}", which does not exist${guess ? `; did you mean "${guess}"?` : `; parts: ${Object.keys(parts).join(', ')}`}` });
      }
      else if (dep === name) problems.push({ path: `/parts/${name}/after`, message: 'a part cannot come after itself' });
    }
  }
  return problems;
}

/**
 * The parts' schema and delta directories that do not exist, as normalize reports them: for a
 * config that has other problems (normalize does not run then), so that one run lists all.
 * Directories that a fleet fills in per database (`${each:…}`) are left to the expansion.
 */
function checkDirectories(value: Obj, relativeTo: (pointer: string) => string): ConfigProblem[] {
  if (!isObject(value.parts)) return [];
  const problems: ConfigProblem[] = [];
  for (const [key, raw] of Object.entries(value.parts)) {
    if (!isObject(raw) || (raw.recipe !== 'schema' && raw.recipe !== 'deltas')) continue;
    const dirKey = raw.recipe === 'schema' ? 'schema' : 'deltas';
    const given = raw[dirKey];
    if (typeof given !== 'string' || given.includes('${')) continue;
    const pointer = `/parts/${escapeKey(key)}/${dirKey}`;
    const problem = directoryProblem(path.resolve(relativeTo(pointer), given), given);
    if (problem) problems.push({ path: pointer, message: problem });
  }
  return problems;
}

function escapeKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Where the password at `pointer` was written: "`${env:X}` in FILE" or "FILE"; undefined when none is. */
function passwordOrigin(pointer: string, origins: Origins, read: readonly { file: string; data: Obj }[], fallback: string): string | undefined {
  const file = originOf(origins, pointer, fallback);
  let at: unknown = read.find((r) => r.file === file)?.data;
  for (const key of pointer.split('/').slice(1)) at = typeof at === 'object' && at !== null ? (at as Obj)[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  if (at === undefined) return undefined;
  const name = path.basename(file);
  return typeof at === 'string' && at.includes('${') ? `\`${at}\` in ${name}` : name;
}

function normalize(value: Obj, file: string, files: string[], origins: Origins, passwordFrom: (pointer: string) => string | undefined): { config?: Config; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const root = path.dirname(file);
  const relativeTo = (pointer: string) => path.dirname(originOf(origins, pointer, file));
  const connection = normalizeConnection((value.connection ?? {}) as Obj, passwordFrom('/connection/password'));

  let server: EmbeddedServerConfig | null = null;
  if (value.server !== undefined) {
    const s = (typeof value.server === 'string' ? { mode: value.server } : value.server) as Obj;
    server = Object.freeze({
      mode: 'embedded',
      dir: path.resolve(relativeTo('/server'), typeof s.dir === 'string' ? s.dir : '.pgv'),
      port: s.port === undefined ? 5432 : Number(s.port),
      tcp: s.tcp === true,
      settings: Object.freeze(Object.fromEntries(Object.entries((s.settings ?? {}) as Obj).map(([k, v]) => [k, String(v)]))),
    });
  }

  const servers = serversOf(value, (raw, pointer) => normalizeConnection(raw, passwordFrom(pointer)));
  const locate = (pointer: string): ConfigLocation => locationOf(originOf(origins, pointer, file), pointer);
  const parts: Part[] = [];
  const templates: PartTemplate[] = [];
  const shared: PartContext = { relativeTo, passwordFrom, problems };
  for (const [name, raw] of Object.entries(value.parts as Record<string, Obj>)) {
    if (isObject(raw.for_each)) templates.push(templateOf(name, raw, parts.length, { ...shared, connection, servers, locate, normalizePart }));
    else parts.push(normalizePart(name, name, raw, connection, shared));
  }
  const rollout = rolloutOf(value, locate);
  problems.push(...cycleProblems([...parts, ...templates.map((t) => ({ name: t.name, after: asList((value.parts as Record<string, Obj>)[t.name]!.after) }))]));
  if (problems.length) return { problems };
  return {
    problems,
    config: Object.freeze({
      file, files: Object.freeze(files), root, server, connection: Object.freeze(connection), parts: Object.freeze(parts), warnings: Object.freeze([]),
      servers, templates: Object.freeze(templates), expansions: Object.freeze([]), rollout,
    }),
  };
}

/** One part's raw values → a Part; `key` is its name in `parts:` (pointers use it), `name` what it is called. */
export function normalizePart(key: string, name: string, raw: Obj, connection: ConnectionOptions, ctx: PartContext, extra: { server?: string; template?: string } = {}): Part {
  const { relativeTo, passwordFrom, problems } = ctx;
  const recipe = raw.recipe as RecipeName;
  const dirKey = recipe === 'schema' ? 'schema' : 'deltas';
  const pointer = `/parts/${key}/${dirKey}`;
  const directory = path.resolve(relativeTo(pointer), String(raw[dirKey]));
  const problem = directoryProblem(directory, String(raw[dirKey]));
  if (problem) problems.push({ path: pointer, message: problem });

  const table = parseQualifiedName(typeof raw.upgrades_table === 'string' ? raw.upgrades_table : `${defaultLedger.schema}.${defaultLedger.name}`);
  if ('problem' in table) problems.push({ path: `/parts/${key}/upgrades_table`, message: table.problem });
  // PostgreSQL cuts longer names silently: pgv would create one database and look for another.
  if (Buffer.byteLength(String(raw.dbname)) > 63) problems.push({ path: `/parts/${key}/dbname`, message: `${JSON.stringify(String(raw.dbname))} is longer than PostgreSQL's 63-byte identifier limit` });
  const lock = raw.ddl_lock_timeout === undefined ? 0 : parseDurationMs(raw.ddl_lock_timeout as string | number);
  const reference = asList(raw.reference).map((file, k) => {
    const at = `/parts/${key}/reference${Array.isArray(raw.reference) ? `/${k}` : ''}`;
    const resolved = path.resolve(relativeTo(at), file);
    if (!fileExists(resolved)) problems.push({ path: at, message: `file ${file} does not exist (resolved to ${resolved})` });
    return resolved;
  });

  return Object.freeze({
    name,
    recipe,
    dbname: String(raw.dbname),
    // direct_connection: PostgreSQL itself, over a connection that goes through a pooler.
    connection: Object.freeze(
      withoutDbname({
        ...connection,
        ...normalizeConnection((raw.connection ?? {}) as Obj, passwordFrom(`/parts/${key}/connection/password`)),
        ...normalizeConnection((raw.direct_connection ?? {}) as Obj, passwordFrom(`/parts/${key}/direct_connection/password`)),
      }),
    ),
    directory,
    upgradesTable: 'problem' in table ? defaultLedger : table,
    ignore: Object.freeze(asList(raw.ignore)),
    excludeSchemas: Object.freeze(asList(raw.exclude_schemas)),
    excludeColumns: Object.freeze(asList(raw.exclude_columns)),
    create: raw.create === true,
    snapshot: raw.snapshot === true || raw.snapshot === 'before-apply' || (typeof raw.snapshot === 'object' && raw.snapshot !== null),
    ...(typeof raw.snapshot === 'object' && raw.snapshot !== null && typeof (raw.snapshot as Obj).keep === 'number' ? { snapshotKeep: Number((raw.snapshot as Obj).keep) } : {}),
    after: Object.freeze(asList(raw.after)),
    ignoreFiles: Object.freeze(asList(raw.ignore_files)),
    variables: Object.freeze(variablesOf(key, (raw.variables ?? {}) as Obj, problems)),
    pumPlaceholders: raw.pum_placeholders === true,
    reference: Object.freeze(reference),
    ddlLockTimeoutMs: lock,
    ...(typeof raw.python === 'string' ? { python: raw.python } : {}),
    hookTimeoutMs: raw.hook_timeout === undefined ? defaultHookTimeoutMs : parseDurationMs(raw.hook_timeout as string | number),
    ...(raw.ddl_lock_retries !== undefined ? { ddlLockRetries: Number(raw.ddl_lock_retries) } : {}),
    lint: lintOptions(raw.lint as Obj | undefined),
    ...extra,
  });
}

/** A Python hook that runs longer than this is stopped (and the apply fails, naming it). */
const defaultHookTimeoutMs = 10 * 60_000;

function variablesOf(part: string, raw: Obj, problems: ConfigProblem[]): Record<string, Variable> {
  const out: Record<string, Variable> = {};
  for (const [k, v] of Object.entries(raw)) {
    const parsed = parseVariable(v);
    if ('problem' in parsed) problems.push({ path: `/parts/${part}/variables/${k}`, message: parsed.problem });
    else out[k] = Object.freeze(parsed);
  }
  return out;
}

/** A part's `lint:` option (already validated by the schema). */
function lintOptions(raw: Obj | undefined): LintOptions {
  const rules = Object.freeze({ ...((raw?.rules ?? {}) as Record<string, LintRuleSetting>) });
  const maxLockMs = Object.freeze(Object.fromEntries(Object.entries((raw?.max_lock_ms ?? {}) as Obj).map(([mode, v]) => [mode, parseDurationMs(v as string | number)])));
  return Object.freeze({ ...(typeof raw?.level === 'string' ? { level: raw.level as LintRuleSetting } : {}), rules, maxLockMs });
}

/** Raw connection settings → ConnectionOptions (port and connect_timeout as numbers). */
export function normalizeConnection(raw: Obj, passwordFrom: string | undefined): ConnectionOptions {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) continue;
    out[k] = k === 'port' || k === 'connect_timeout' ? Number(v) : String(v);
  }
  if (out.password !== undefined && passwordFrom) out.passwordFrom = passwordFrom;
  return out as ConnectionOptions;
}

function fileExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function directoryProblem(dir: string, given: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `${given} is not a directory (resolved to ${dir})`;
  } catch {
    return `directory ${given} does not exist (resolved to ${dir})`;
  }
  return undefined;
}

function cycleProblems(parts: ReadonlyArray<{ readonly name: string; readonly after: readonly string[] }>): ConfigProblem[] {
  const byName = new Map(parts.map((p) => [p.name, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const problems: ConfigProblem[] = [];
  const visit = (name: string, chain: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(name)), name];
      problems.push({ path: `/parts/${name}/after`, message: `dependency cycle: ${cycle.join(' -> ')}` });
      return;
    }
    state.set(name, 'visiting');
    for (const dep of byName.get(name)?.after ?? []) visit(dep, [...chain, name]);
    state.set(name, 'done');
  };
  for (const p of parts) visit(p.name, []);
  return problems;
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asList(v: Json | undefined): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function invalid(file: string, found: Array<ConfigProblem & { file: string; line?: number | undefined }>): PgvError {
  // File by file (in the order first named), in the order of their lines (without a line first).
  const fileOrder = [...new Set(found.map((p) => p.file))];
  const problems = [...found].sort((a, b) => fileOrder.indexOf(a.file) - fileOrder.indexOf(b.file) || (a.line ?? 0) - (b.line ?? 0));
  const count = problems.length;
  return new PgvError('config_invalid', `${file}: ${count} problem${count === 1 ? '' : 's'} in the config`, {
    details: problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path || '/'}: ${p.message}`),
    hint: problems.some((p) => p.message.startsWith('environment variable'))
      ? 'Set the environment variables named above, or give a default: ${env:NAME:-value}.'
      : 'Fix the keys named above; `pgv validate` checks the config without touching a database.',
    data: { file, problems },
  });
}

/** A part's connection without a database: the part's `dbname` is the one place that names it. */
function withoutDbname(c: ConnectionOptions): ConnectionOptions {
  const { dbname: _ignored, ...rest } = c;
  return rest;
}
