/**
 * Finding and parsing config files: the one home of cosmiconfig and of js-yaml, its YAML parser.
 * Returns raw, untrusted data; validation and resolution happen elsewhere.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PgvError } from '../errors.js';
import { parseJsonConfig } from './json-syntax.js';

/** Where cosmiconfig looks, in order, in each directory from the start up to the project root. */
const searchPlaces = [
  'package.json',
  '.pgvrc',
  '.pgvrc.json',
  '.pgvrc.yaml',
  '.pgvrc.yml',
  'pgv.config.yaml',
  'pgv.config.yml',
  'pgv.config.json',
];

/** One parsed file: its absolute path and its content as plain data. */
export interface RawFile {
  readonly file: string;
  readonly data: unknown;
}

/**
 * YAML through js-yaml's one-file ES module build: cosmiconfig's own YAML loader requires js-yaml's
 * CommonJS entry, 25 modules loaded one by one, which costs a CLI run twice the time.
 */
const loadYaml = async (_file: string, content: string): Promise<unknown> => (await import('js-yaml')).load(content);

/**
 * Load the YAML reader ahead of the config when the config will be YAML: `file` (a -c) ends in
 * .yaml or .yml, or, without one, `cwd` holds pgv.config.yaml/.yml. For the CLI, which loads a
 * command's code before the run's cancellation scope starts (commands/spec.ts: CommandSpec.load).
 */
export async function preloadConfigReader(file: string | undefined, cwd: string): Promise<void> {
  const yaml = file ? /\.ya?ml$/i.test(file) : existsSync(path.join(cwd, 'pgv.config.yaml')) || existsSync(path.join(cwd, 'pgv.config.yml'));
  if (yaml) await import('js-yaml');
}

/**
 * Parse YAML synchronously (a pum 1.x module's `.pum.yaml`, read with its scripts): js-yaml's
 * CommonJS entry, loaded only when such a file exists. Throws js-yaml's YAMLException.
 */
export function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('js-yaml') as typeof import('js-yaml')).load(text);
}


/** JSON (also package.json) through our parser, so a syntax error names file:line:column. */
const loadJson = (file: string, content: string): unknown => parseJsonConfig(file, content);

type Explorer = ReturnType<typeof import('cosmiconfig').cosmiconfig>;
// Made on first use, and cosmiconfig loaded only then (it costs a CLI run ~15 ms): for a search
// (no -c) and for the files only it knows how to read (package.json's "pgv" key, .js/.ts
// configs). It reads the nearest package.json (for its own settings) when the explorer is made,
// and a broken one must be a config error, not a crash at import.
let explorerMade: Promise<Explorer> | undefined;
const explorer = {
  make: () =>
    // Through `default` (module.exports of this CommonJS package): Node gives it, and esbuild's
    // chunk of a CommonJS module exports nothing else.
    (explorerMade ??= import('cosmiconfig').then(({ default: { cosmiconfig } }) =>
      cosmiconfig('pgv', { searchPlaces, searchStrategy: 'project', cache: false, loaders: { '.json': loadJson, '.yaml': loadYaml, '.yml': loadYaml, noExt: loadYaml } }),
    )),
  load: async (file: string) => (await explorer.make()).load(file),
  search: async (cwd: string) => (await explorer.make()).search(cwd),
};

/** The loader of a file pgv reads itself (YAML or JSON by its extension), without cosmiconfig. */
function ownLoaderOf(file: string): ((file: string, content: string) => unknown) | undefined {
  if (path.basename(file) === 'package.json') return undefined; // the "pgv" key: cosmiconfig's packageProp
  const ext = path.extname(file);
  return ext === '.json' ? loadJson : ext === '.yaml' || ext === '.yml' || ext === '' ? loadYaml : undefined;
}

/**
 * A YAML or JSON config read and parsed directly, as cosmiconfig's `load` would with pgv's
 * loaders (blank content is empty); undefined for the files only cosmiconfig reads.
 */
async function readOwnFile(file: string): Promise<{ filepath: string; config: unknown; isEmpty?: boolean } | undefined> {
  const loader = ownLoaderOf(file);
  if (!loader) return undefined;
  const content = await readFile(file, 'utf8');
  if (content.trim() === '') return { filepath: file, config: undefined, isEmpty: true };
  return { filepath: file, config: await loader(file, content) };
}

/** Parse one config file (YAML or JSON by its extension and content). */
export async function readConfigFile(file: string): Promise<RawFile> {
  const abs = path.resolve(file);
  let result;
  try {
    result = (await readOwnFile(abs)) ?? (await explorer.load(abs));
  } catch (e) {
    throw parseError(abs, e);
  }
  if (!result || result.isEmpty || result.config === undefined || result.config === null) {
    throw new PgvError('config_parse', `${abs}: the file is empty`, {
      hint: 'Start from pgv.config.example.yaml; a config needs at least `parts:`.',
      data: { file: abs },
    });
  }
  return { file: result.filepath, data: result.config };
}

/**
 * cosmiconfig's search (`searchStrategy: 'project'`) without loading it, for the layouts whose
 * answer is certain from the file names: folders from `cwd` up to the first one holding a
 * package.json or package.yaml (or the root), each place in `searchPlaces` order. Returns the
 * file cosmiconfig would return when the first place that exists is a non-empty YAML or JSON
 * file of pgv's own, `null` when no place exists anywhere, and `undefined` (ask cosmiconfig)
 * otherwise: a package.json with a "pgv" key, an empty or unreadable file, a meta config of
 * cosmiconfig's own in the working folder (`.config/config.*`, a "cosmiconfig" key).
 * cosmiconfig stays the authority; this saves a run without -c its ~15 ms.
 */
export function searchWithoutCosmiconfig(cwd: string, workingDir = process.cwd()): string | null | undefined {
  if (metaConfigIn(workingDir)) return undefined;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    for (const place of searchPlaces) {
      const file = path.join(dir, place);
      if (!existsSync(file)) continue;
      if (place === 'package.json') {
        const pkg = readJsonQuietly(file);
        if (pkg === undefined || (typeof pkg === 'object' && pkg !== null && 'pgv' in pkg)) return undefined;
        continue; // a package.json without "pgv": cosmiconfig reads it and goes on
      }
      try {
        return readFileSync(file, 'utf8').trim() === '' ? undefined : file;
      } catch {
        return undefined;
      }
    }
    const stop = existsSync(path.join(dir, 'package.json')) || existsSync(path.join(dir, 'package.yaml'));
    if (stop || path.dirname(dir) === dir) return null;
  }
}

/** cosmiconfig's meta config (which may change its search places), looked for in the working folder. */
function metaConfigIn(dir: string): boolean {
  if (['package.yaml', '.config/config.json', '.config/config.yaml', '.config/config.yml', '.config/config.js', '.config/config.ts', '.config/config.cjs', '.config/config.mjs'].some((f) => existsSync(path.join(dir, f)))) return true;
  const pkg = existsSync(path.join(dir, 'package.json')) ? readJsonQuietly(path.join(dir, 'package.json')) : {};
  return pkg === undefined || (typeof pkg === 'object' && pkg !== null && 'cosmiconfig' in pkg);
}

/** A JSON file's value; undefined when it cannot be read or parsed (cosmiconfig then says why). */
function readJsonQuietly(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Find the config from `cwd` upwards (cosmiconfig's search places), or fail with a hint. */
export async function findConfigFile(cwd: string): Promise<string> {
  const quick = searchWithoutCosmiconfig(cwd);
  if (quick === null) throw notFound(cwd);
  if (quick !== undefined) return quick;
  const found = await searchWithCosmiconfig(cwd);
  if (found === null) throw notFound(cwd);
  return found;
}

/** cosmiconfig's own search: the file it finds, or null. A file it cannot parse is a config error. */
export async function searchWithCosmiconfig(cwd: string): Promise<string | null> {
  try {
    return (await explorer.search(cwd))?.filepath ?? null;
  } catch (e) {
    const file = (e as { filepath?: string }).filepath ?? cwd;
    throw parseError(file, e);
  }
}

function notFound(cwd: string): PgvError {
  return new PgvError('config_not_found', `no pgv config found in ${cwd} or its parents`, {
    hint: `Create pgv.config.yaml (see pgv.config.example.yaml) or pass -c FILE. Looked for: ${searchPlaces.join(', ')}.`,
  });
}

function parseError(file: string, e: unknown): PgvError {
  if (e instanceof PgvError) return e;
  const err = e as { code?: string; mark?: { line: number; column: number; snippet?: string }; reason?: string; message?: string };
  if (err.code === 'ENOENT') {
    return new PgvError('config_not_found', `${file}: no such file`, {
      hint: 'Check the path given with -c or in `extends`.',
      data: { file },
    });
  }
  if (err.mark) {
    const line = err.mark.line + 1;
    const column = err.mark.column + 1;
    return new PgvError('config_parse', `${file}:${line}:${column}: ${err.reason ?? 'malformed YAML'}`, {
      hint: 'Fix the YAML syntax at that line (indentation, a missing colon, an unclosed bracket or quote).',
      details: err.mark.snippet ? err.mark.snippet.split('\n') : [],
      data: { file, line, column },
    });
  }
  // A JSON file that cosmiconfig parsed itself (its own settings in package.json): parse it again
  // with ours for file:line:column in words.
  const jsonFile = /^JSON Error in ([^\n]*?):/.exec(String(err.message ?? ''))?.[1];
  if (jsonFile) {
    try {
      parseJsonConfig(jsonFile, readFileSync(jsonFile, 'utf8'));
    } catch (again) {
      if (again instanceof PgvError) return again;
    }
  }
  const message = String(err.message ?? e).replace(/^JSON Error in [^\n]*:\n?/, '').split('\n')[0];
  return new PgvError('config_parse', `${file}: ${message}`, {
    hint: 'Fix the syntax of the file.',
    data: { file },
  });
}
