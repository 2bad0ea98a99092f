/**
 * The fleet's part of the config: the `servers:` map, `for_each` parts (templates, expanded by
 * lib/fleet/expand.ts into one part per database) and the `rollout:` groups. Also where a value
 * was written: the line of a JSON pointer in its file, for the fleet's errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PgvError } from '../errors.js';
import { closest } from '../util/suggest.js';
import type { ConfigLocation, ConnectionOptions, FleetSource, Part, PartTemplate, RolloutGroup } from './types.js';
import type { ConfigProblem } from './validate.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = Record<string, Json>;

/** What normalizing a part needs from its config (lib/config/resolve.ts). */
export interface PartContext {
  /** The directory relative paths at a pointer resolve against (the file that set it). */
  readonly relativeTo: (pointer: string) => string;
  readonly passwordFrom: (pointer: string) => string | undefined;
  readonly problems: ConfigProblem[];
}

/** The part normalizer of resolve.ts, passed in (resolve.ts imports this module). */
type NormalizePart = (key: string, name: string, raw: Obj, connection: ConnectionOptions, ctx: PartContext, extra: { server?: string; template?: string }) => Part;

/** What a template needs besides the part context. */
export interface TemplateContext extends PartContext {
  readonly connection: ConnectionOptions;
  readonly servers: Readonly<Record<string, ConnectionOptions>>;
  readonly locate: (pointer: string) => ConfigLocation;
  readonly normalizePart: NormalizePart;
}

/** The `servers:` map, each normalized as a connection. */
export function serversOf(value: Obj, normalize: (raw: Obj, passwordPointer: string) => ConnectionOptions): Readonly<Record<string, ConnectionOptions>> {
  const raw = (isObject(value.servers) ? value.servers : {}) as Record<string, Obj>;
  return Object.freeze(Object.fromEntries(Object.entries(raw).map(([name, c]) => [name, Object.freeze(normalize(c, `/servers/${name}/password`))])));
}

/** The server of a `for_each` that names none: the config's own connection (or a `servers:` entry of this name). */
export const defaultServer = 'default';

/** The placeholders of a template's values. */
const eachToken = /\$\{each:(dbname|server)\}/g;

/** A `for_each` part → a template; its problems (unknown server, missing file, a bad value) go to ctx.problems. */
export function templateOf(name: string, raw: Obj, position: number, ctx: TemplateContext): PartTemplate {
  const forEach = raw.for_each as Obj;
  const at = `/parts/${name}/for_each`;
  // Without `servers`, the databases are on the config's own server, called `default`.
  const servers = forEach.servers === undefined ? [defaultServer] : (forEach.servers as string[]).map(String);
  const known = Object.keys(ctx.servers);
  servers.forEach((s, k) => {
    if (s in ctx.servers || forEach.servers === undefined) return;
    const guess = closest(s, known);
    const list = known.length ? `servers: ${known.join(', ')}` : 'the config has no `servers:` map';
    ctx.problems.push({ path: `${at}/servers/${k}`, message: `names server "${s}", which is not in \`servers:\`${guess ? `; did you mean "${guess}"?` : ` (${list})`}` });
  });
  const source = sourceOf(forEach, at, ctx);
  const location = ctx.locate(at);
  const { for_each: _template, ...values } = raw;

  const build = (server: string, dbname: string, problems: ConfigProblem[]): Part => {
    const filled = fill(values, { dbname, server }) as Obj;
    if (filled.dbname === undefined) filled.dbname = dbname;
    const connection = { ...ctx.connection, ...(ctx.servers[server] ?? {}) };
    return ctx.normalizePart(name, `${name}/${server}/${dbname}`, filled, connection, { ...ctx, problems }, { server, template: name });
  };
  // Checked once at load with stand-in values, so that a missing directory is a config error
  // before any server is asked; a value that depends on ${each:…} is checked at expansion.
  const trial: ConfigProblem[] = [];
  build(servers[0] ?? '', 'each_dbname', trial);
  for (const p of trial) if (!dependsOnEach(values, p.path.split('/').slice(3))) ctx.problems.push(p);

  const instantiate = (server: string, dbname: string): Part => {
    const problems: ConfigProblem[] = [];
    const part = build(server, dbname, problems);
    if (problems.length) {
      throw new PgvError('config_invalid', `${location.file}${location.line ? `:${location.line}` : ''}: part ${name}, expanded for database "${dbname}" on server ${server}, is invalid`, {
        details: problems.map((p) => `${p.path}: ${p.message}`),
        hint: 'Fix the template\'s values that use ${each:dbname} or ${each:server}; `pgv validate` shows the expansion.',
        data: { file: location.file, part: name, server, database: dbname },
      });
    }
    return part;
  };
  return Object.freeze({ name, servers: Object.freeze(servers), source, position, location, instantiate });
}

function sourceOf(forEach: Obj, at: string, ctx: TemplateContext): FleetSource {
  if (typeof forEach.query === 'string') return Object.freeze({ kind: 'query', query: forEach.query });
  if (Array.isArray(forEach.list)) {
    const names = forEach.list.map(String);
    const twice = names.find((n, k) => names.indexOf(n) !== k);
    if (twice !== undefined) ctx.problems.push({ path: `${at}/list`, message: `names database "${twice}" twice` });
    return Object.freeze({ kind: 'list', names: Object.freeze(names) });
  }
  const given = String(forEach.file);
  const file = path.resolve(ctx.relativeTo(`${at}/file`), given);
  try {
    readFileSync(file);
  } catch {
    ctx.problems.push({ path: `${at}/file`, message: `file ${given} cannot be read (resolved to ${file})` });
  }
  return Object.freeze({ kind: 'file', file, given });
}

/** Replace ${each:dbname} and ${each:server} in every string of `node`. */
function fill(node: Json, values: { dbname: string; server: string }): Json {
  if (typeof node === 'string') return node.replace(eachToken, (_whole, key: 'dbname' | 'server') => values[key]);
  if (Array.isArray(node)) return node.map((v) => fill(v, values));
  if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fill(v, values)]));
  return node;
}

/** Does the value at `keys` (under a part) use ${each:…}? */
function dependsOnEach(values: Obj, keys: readonly string[]): boolean {
  let node: Json | undefined = values;
  for (const k of keys) node = isObject(node) ? node[k] : Array.isArray(node) ? node[Number(k)] : undefined;
  return JSON.stringify(node ?? '').includes('${each:');
}

/** The `rollout:` groups, in order. */
export function rolloutOf(value: Obj, locate: (pointer: string) => ConfigLocation): readonly RolloutGroup[] {
  if (!Array.isArray(value.rollout)) return Object.freeze([]);
  return Object.freeze(
    (value.rollout as Obj[]).map((g, k) =>
      Object.freeze({
        match: String(g.match),
        ...(typeof g.concurrency === 'number' ? { concurrency: g.concurrency } : {}),
        ...(typeof g.per_server === 'number' ? { perServer: g.per_server } : {}),
        onError: g.on_error === 'continue' ? 'continue' : 'stop',
        location: locate(`/rollout/${k}`),
      } as RolloutGroup),
    ),
  );
}

const texts = new Map<string, string | null>();

/** Where the value at `pointer` was written in `file`: the line of its last key found. */
export function locationOf(file: string, pointer: string): ConfigLocation {
  if (!texts.has(file)) {
    try {
      texts.set(file, readFileSync(file, 'utf8'));
    } catch {
      texts.set(file, null);
    }
  }
  const text = texts.get(file);
  const line = text ? lineOf(text, pointer) : undefined;
  return line ? { file, line } : { file };
}

/**
 * The line of a JSON pointer in a YAML or JSON text: each key is looked for after the one before
 * it (`key:` or `"key":`), a list index as the index-th item (`- ` or an element) after its key.
 * An approximation that holds for configs as people write them; undefined when a key is not found.
 */
export function lineOf(text: string, pointer: string): number | undefined {
  let offset = 0;
  let found = false;
  const keys = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const key of keys) {
    const rest = text.slice(offset);
    let m: RegExpExecArray | null;
    if (/^\d+$/.test(key)) {
      // The index-th list item after the key: a `- ` item in YAML, or skip as many commas in a flow list.
      const items = [...rest.matchAll(/^\s*- /gm)];
      const item = items[Number(key)];
      if (!item) return found ? lineAt(text, offset) : undefined;
      offset += item.index!;
      found = true;
      continue;
    }
    const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    m = new RegExp(`(^|[\\s{,])(["']?)${escaped}\\2\\s*:`, 'm').exec(rest);
    if (!m) return found ? lineAt(text, offset) : undefined;
    offset += m.index + m[1]!.length;
    found = true;
  }
  return found ? lineAt(text, offset) : undefined;
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
