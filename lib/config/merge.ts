/**
 * Buildout-style merging of config files: maps merge key by key, everything else replaces.
 * Remembers which file set each value so problems and relative paths refer to the right file.
 * Pure.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Which file set a value, by JSON pointer. */
export type Origins = Map<string, string>;

/** Limits that keep hostile input (alias bombs, deep nesting) from hanging pgv. */
export const limits = { maxValues: 100_000, maxDepth: 64 };

/** Deep-copy plain data, refusing aliases that expand beyond `limits`. Returns null when too big. */
export function copyBounded(data: unknown): { value: Json } | { tooBig: string } {
  let count = 0;
  const copy = (node: unknown, depth: number): Json => {
    if (++count > limits.maxValues) throw new RangeError(`more than ${limits.maxValues} values (YAML aliases expand?)`);
    if (depth > limits.maxDepth) throw new RangeError(`nested deeper than ${limits.maxDepth} levels`);
    if (node === null || typeof node === 'boolean' || typeof node === 'number' || typeof node === 'string') return node;
    if (node instanceof Date) return node.toISOString();
    if (Array.isArray(node)) return node.map((v) => copy(v, depth + 1));
    if (typeof node === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(node as object)) out[k] = copy(v, depth + 1);
      return out;
    }
    return String(node);
  };
  try {
    return { value: copy(data, 0) };
  } catch (e) {
    if (e instanceof RangeError) return { tooBig: e.message };
    throw e;
  }
}

/** Merge `source` (from `file`) over `target` in place, recording origins. */
export function mergeInto(target: Record<string, Json>, source: Record<string, Json>, file: string, origins: Origins, at = ''): void {
  for (const [key, value] of Object.entries(source)) {
    const pointer = `${at}/${key}`;
    const existing = target[key];
    if (isMap(existing) && isMap(value)) {
      // The map itself keeps the origin it had; only the keys this file sets get this file.
      origins.set(pointer, originOf(origins, pointer, file));
      mergeInto(existing, value, file, origins, pointer);
    } else {
      target[key] = value;
      for (const k of [...origins.keys()]) if (k.startsWith(pointer + '/')) origins.delete(k);
      origins.set(pointer, file);
    }
  }
}

/** The file that set the value at `pointer` (or its closest ancestor). */
export function originOf(origins: Origins, pointer: string, fallback: string): string {
  for (let p = pointer; p; p = p.slice(0, p.lastIndexOf('/'))) {
    const f = origins.get(p);
    if (f) return f;
  }
  return fallback;
}

function isMap(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
