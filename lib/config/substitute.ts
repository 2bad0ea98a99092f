/**
 * `${env:NAME}`, `${env:NAME:-default}`, `${PART:OPTION}` and `${:OPTION}` (the same part)
 * substitution in config values, buildout style; `$${` is a literal `${`. `${each:dbname}` and
 * `${each:server}` are left for the fleet's expansion, and are allowed only in a `for_each` part. Pure: the environment
 * is a parameter. Problems are collected, not thrown, so all of them are reported at once.
 */
import type { ConfigProblem } from './validate.js';

/** The environment variables visible to substitution. */
export type Env = Readonly<Record<string, string | undefined>>;

const token = /\$(\$)?\{([^}]*)\}/g;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Substitute every string in `data` (a merged config); returns the new data and the problems. */
export function substitute(data: Record<string, Json>, env: Env): { value: Record<string, Json>; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const parts = (isObject(data.parts) ? data.parts : {}) as Record<string, Json>;
  const resolving: string[] = [];
  const cache = new Map<string, string>();
  const reportedCycles = new Set<string>();

  const optionValue = (part: string, option: string, at: string): string | undefined => {
    const key = `${part}:${option}`;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    if (resolving.includes(key)) {
      const members = resolving.slice(resolving.indexOf(key));
      const chain = [...members, key].map((k) => `\${${k}}`).join(' -> ');
      const id = [...members].sort().join(' ');
      if (!reportedCycles.has(id)) {
        reportedCycles.add(id);
        problems.push({ path: at, message: `substitution cycle: ${chain}` });
      }
      return undefined;
    }
    const p = parts[part];
    if (!isObject(p)) {
      problems.push({ path: at, message: `\${${key}} refers to part "${part}", which does not exist` });
      return undefined;
    }
    const raw = p[option];
    if (raw === undefined || raw === null || typeof raw === 'object') {
      const why = raw === undefined ? 'has no option' : 'has no scalar option';
      problems.push({ path: at, message: `\${${key}}: part "${part}" ${why} "${option}"` });
      return undefined;
    }
    resolving.push(key);
    const value = typeof raw === 'string' ? expand(raw, `/parts/${part}/${option}`, part) : String(raw);
    resolving.pop();
    if (value !== undefined) cache.set(key, value);
    return value;
  };

  const expand = (text: string, at: string, currentPart: string | undefined): string | undefined => {
    let failed = false;
    const out = text.replace(token, (whole, escaped: string | undefined, body: string) => {
      if (escaped) return '${' + body + '}';
      const colon = body.indexOf(':');
      if (colon < 0) {
        problems.push({ path: at, message: `"${whole}" is not a substitution: use \${env:NAME} or \${PART:OPTION} (write $\${ for a literal \${)` });
        failed = true;
        return whole;
      }
      const scope = body.slice(0, colon);
      const rest = body.slice(colon + 1);
      if (scope === 'env') {
        const dflt = rest.indexOf(':-');
        const name = dflt >= 0 ? rest.slice(0, dflt) : rest;
        const value = env[name];
        // As in the shell, `:-` also replaces an empty value.
        if (value !== undefined && (dflt < 0 || value !== '')) return value;
        if (dflt >= 0) return rest.slice(dflt + 2);
        problems.push({ path: at, message: `environment variable ${name} is not set (used as \${env:${name}})` });
        failed = true;
        return whole;
      }
      if (scope === 'each') {
        // Filled when the part is expanded (lib/fleet/expand.ts): left as written here.
        const template = currentPart !== undefined && isObject(parts[currentPart]) && (parts[currentPart] as Record<string, Json>).for_each !== undefined;
        if (rest !== 'dbname' && rest !== 'server') problems.push({ path: at, message: `"${whole}" is not a substitution: \${each:…} knows dbname and server` });
        else if (!template) problems.push({ path: at, message: `"${whole}" works only inside a part with for_each (which fills it for each database)` });
        else return whole;
        failed = true;
        return whole;
      }
      const part = scope === '' ? currentPart : scope;
      if (part === undefined) {
        problems.push({ path: at, message: `"${whole}" names no part; \${:OPTION} works only inside a part` });
        failed = true;
        return whole;
      }
      const value = optionValue(part, rest, at);
      if (value === undefined) failed = true;
      return value ?? whole;
    });
    return failed ? undefined : out;
  };

  const walk = (node: Json, at: string, currentPart: string | undefined): Json => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      return expand(node, at, currentPart) ?? node;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, `${at}/${i}`, currentPart));
    if (isObject(node)) {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(node)) {
        out[k] = walk(v, `${at}/${k}`, at === '/parts' ? k : currentPart);
      }
      return out;
    }
    return node;
  };

  const value = walk(data, '', undefined) as Record<string, Json>;
  return { value, problems };
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
