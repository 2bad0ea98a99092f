/** `pgv info` as text and as the documented JSON (schemas/pgv.info.schema.json). Pure. */
import type { PartInfo } from '../plan/info.js';

/** The `--json` document. */
export function renderInfoJson(infos: readonly PartInfo[]): unknown {
  return {
    parts: infos.map((p) => ({
      name: p.name,
      database: p.database,
      recipe: p.recipe,
      version: p.version,
      applied: p.applied.map((r) => ({
        version: r.version,
        script: r.script,
        kind: r.kind,
        checksum: r.checksum,
        installed_at: r.installedAt,
        installed_by: r.installedBy,
        duration_ms: r.durationMs,
      })),
      pending: p.pending.map((s) => ({ version: s.version, script: s.script })),
      changed: p.changed.map((c) => ({ version: c.version, script: c.script, change: c.change })),
      skipped: p.skipped.map((s) => ({ version: s.version, script: s.script })),
      problems: p.problems,
      unfinished: p.unfinished
        ? {
            script: p.unfinished.script,
            version: p.unfinished.version,
            state: p.unfinished.state,
            started_at: p.unfinished.installedAt,
            failure: p.unfinished.failure ?? null,
            summary: p.unfinished.summary,
            settle: { finished: p.unfinished.finished, undone: p.unfinished.undone },
          }
        : null,
    })),
  };
}

/** Text: a block per part. */
export function renderInfoText(infos: readonly PartInfo[]): string {
  const blocks = infos.map((p) => {
    const lines = [`${p.name} (database ${p.database}, recipe ${p.recipe})`, `  version: ${p.version ?? 'none (not initialised)'}`];
    if (p.applied.length) {
      lines.push('  applied:');
      const vw = Math.max(...p.applied.map((r) => r.version.length));
      const sw = Math.max(...p.applied.map((r) => r.script.length));
      const kw = Math.max(...p.applied.map((r) => r.kind.length));
      for (const r of p.applied) {
        const when = r.installedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
        const took = r.durationMs === null ? '' : `  ${r.durationMs} ms`;
        lines.push(`    ${r.version.padStart(vw)}  ${r.script.padEnd(sw)}  ${r.kind.padEnd(kw)}  ${when}  by ${r.installedBy}${took}`);
      }
    }
    lines.push(p.pending.length ? `  pending: ${p.pending.map((s) => s.script).join(', ')}` : '  pending: none');
    for (const c of p.changed) lines.push(`  changed: ${c.script} (version ${c.version}) ${c.change === 'missing' ? 'was applied but its file is gone' : 'differs from what was applied'}`);
    for (const s of p.skipped) lines.push(`  skipped: ${s.script} (version ${s.version} is below the current version and was never applied; apply will not run it)`);
    for (const problem of p.problems) lines.push(`  ! ${problem}`);
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}
