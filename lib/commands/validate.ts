/** `pgv validate`: load and check the config, print the resolved parts (passwords masked). */
import path from 'node:path';
import type { Config, ConnectionOptions } from '../config/types.js';
import { displayQualified } from '../db/ident.js';
import { displayVariable } from '../config/variables.js';
import { redact } from '../util/redact.js';
import { loadProjectConfig } from '../targets/context.js';
import { expandFleet } from '../fleet/expand.js';
import { expansionJson, renderExpansionLines } from '../report/fleet.js';
import type { CommandResult, Globals } from './types.js';

/** Run `pgv validate`. */
export async function validateCommand(g: Globals): Promise<CommandResult> {
  // A fleet's for_each parts are shown expanded (their queries run; no other connection is made).
  const config = await expandFleet(await loadProjectConfig(g), g);
  const doc = resolvedDocument(config);
  // Valid, but a server a for_each query needs is down: its databases are unknown (exit 3, as before a run).
  const unreachable = config.expansions.some((e) => e.servers.some((s) => s.unreachable !== undefined));
  return { exitCode: unreachable ? 3 : 0, json: doc, text: renderText(config, doc) };
}

/** The resolved config as plain data, secrets masked. */
function resolvedDocument(config: Config): Record<string, unknown> {
  return redact({
    valid: true,
    file: config.file,
    files: config.files,
    server: config.server ? { mode: 'embedded', dir: config.server.dir, port: config.server.port, tcp: config.server.tcp } : null,
    connection: withoutOrigin(config.connection),
    ...(Object.keys(config.servers).length ? { servers: Object.fromEntries(Object.entries(config.servers).map(([k, c]) => [k, withoutOrigin(c)])) } : {}),
    ...(config.expansions.length ? { fleet: expansionJson(config.expansions) } : {}),
    ...(config.rollout.length ? { rollout: config.rollout.map((r) => ({ match: r.match, ...(r.concurrency ? { concurrency: r.concurrency } : {}), ...(r.perServer ? { per_server: r.perServer } : {}), on_error: r.onError })) } : {}),
    parts: config.parts.map((p) => ({
      name: p.name,
      ...(p.template !== undefined ? { template: p.template, server: p.server } : {}),
      recipe: p.recipe,
      dbname: p.dbname,
      directory: p.directory,
      upgrades_table: displayQualified(p.upgradesTable),
      connection: withoutOrigin(p.connection),
      create: p.create,
      snapshot: p.snapshot,
      after: p.after,
      ignore: p.ignore,
      exclude_schemas: p.excludeSchemas,
      ...(Object.keys(p.variables).length ? { variables: Object.fromEntries(Object.entries(p.variables).map(([k, v]) => [k, displayVariable(v)])) } : {}),
      ...(p.ddlLockTimeoutMs ? { ddl_lock_timeout_ms: p.ddlLockTimeoutMs } : {}),
    })),
  }) as Record<string, unknown>;
}

/** Connection settings as written (without the password's origin, which is for messages). */
function withoutOrigin(c: ConnectionOptions): ConnectionOptions {
  const { passwordFrom: _origin, ...rest } = c;
  return rest;
}

/** `host=db port=5432 password=***`: a connection as libpq keywords (already masked). */
function keywords(o: Record<string, unknown>): string {
  return Object.entries(o).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

function renderText(config: Config, doc: Record<string, unknown>): string {
  const rel = (f: string) => path.relative(config.root, f) || '.';
  const lines = [`${config.file}: valid`];
  if (config.files.length > 1) lines.push(`  extends: ${config.files.slice(0, -1).map(rel).join(', ')}`);
  if (config.server) lines.push(`  server: embedded (${rel(config.server.dir)}, port ${config.server.port}${config.server.tcp ? ', tcp' : ', socket only'})`);
  for (const [name, c] of Object.entries((doc.servers ?? {}) as Record<string, Record<string, unknown>>)) lines.push(`server ${name}: ${keywords(c)}`);
  lines.push(...renderExpansionLines(config.expansions));
  for (const [k, r] of config.rollout.entries()) {
    lines.push(`rollout group ${k + 1}: match ${r.match}${r.concurrency ? `, concurrency ${r.concurrency}` : ''}${r.perServer ? `, per_server ${r.perServer}` : ''}, on_error ${r.onError}`);
  }
  // A fleet part's expansions differ only in database and server: its first one stands for all.
  const shown = new Set<string>();
  for (const part of doc.parts as Array<Record<string, unknown>>) {
    if (typeof part.template === 'string') {
      if (shown.has(part.template)) continue;
      shown.add(part.template);
    }
    lines.push(typeof part.template === 'string' ? `part ${part.name} (the first of fleet part ${part.template}):` : `part ${part.name}:`);
    for (const [k, v] of Object.entries(part)) {
      if (k === 'name' || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      // In the config's own words: the key as written, the value as it would be written.
      if (k === 'ddl_lock_timeout_ms') {
        lines.push(`  ddl_lock_timeout: ${String(v)}ms`);
        continue;
      }
      if (k === 'snapshot') {
        lines.push(`  snapshot: ${v === true ? 'before-apply' : 'off'}`);
        continue;
      }
      const empty = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
      const shown = k === 'directory'
        ? rel(String(v))
        : Array.isArray(v)
          ? v.join(', ')
          : k === 'connection' && empty
            ? config.server ? '(the embedded server)' : '(libpq defaults: PG* variables, ~/.pgpass)'
            : typeof v === 'object' && v ? keywords(v as Record<string, unknown>) : String(v);
      lines.push(`  ${k}: ${shown}`);
    }
  }
  return lines.join('\n');
}
