/** How a fleet's `for_each` parts expanded, as text and JSON (pgv validate, pgv plan). Pure. */
import type { FleetExpansion } from '../config/types.js';

/** Lines per template: its count, then per server the databases found, wrapped at 100 columns. */
export function renderExpansionLines(expansions: readonly FleetExpansion[]): string[] {
  const lines: string[] = [];
  for (const e of expansions) {
    const total = e.servers.reduce((n, s) => n + s.databases.length, 0);
    lines.push(`fleet part ${e.template}: ${total} database${total === 1 ? '' : 's'} on ${e.servers.length} server${e.servers.length === 1 ? '' : 's'} (parts ${e.template}/SERVER/DBNAME)`);
    for (const s of e.servers) lines.push(...(s.unreachable ? [`  ${s.server}: CANNOT BE REACHED, part ${e.template}/${s.server}/* fails: ${s.unreachable}`] : wrap(`  ${s.server}: ${s.databases.length} → `, s.databases)));
  }
  return lines;
}

/** The expansions as JSON: `[{ template, servers: [{ server, databases, unreachable? }] }]`. */
export function expansionJson(expansions: readonly FleetExpansion[]): unknown[] {
  return expansions.map((e) => ({ template: e.template, servers: e.servers.map((s) => ({ server: s.server, databases: [...s.databases], ...(s.unreachable ? { unreachable: s.unreachable } : {}) })) }));
}

function wrap(head: string, names: readonly string[]): string[] {
  const lines: string[] = [];
  let line = head;
  const indent = ' '.repeat(Math.min(head.length, 8));
  names.forEach((n, k) => {
    const item = `${n}${k < names.length - 1 ? ',' : ''}`;
    if (line.length + item.length + 1 > 100 && line.trim() !== head.trim()) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${line.endsWith(' ') ? '' : ' '}${item}`;
  });
  lines.push(line.trimEnd());
  return lines;
}
