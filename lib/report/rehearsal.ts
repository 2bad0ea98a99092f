/** What `pgv test-and-upgrade` prints: its phases as they end, and the rehearsal's outcome. */
import { ExitCode } from '../errors.js';
import type { EventSink } from '../exec/events.js';
import type { Rehearsal } from '../rehearse/rehearse.js';
import { renderCheckJson } from './check-json.js';
import { renderCheckText } from './check-text.js';
import { renderError } from './error-text.js';
import { renderRunReport, type RunReport } from './run.js';
import { formatDuration } from '../util/format.js';
import { renderTraceJson } from './trace-json.js';
import { renderTraceText } from './trace-text.js';
import { renderTraceMarkdown } from './trace-markdown.js';

/** A line per rehearsal phase as it ends (`✔ copy production to …: by template (92 ms)`); its warnings are the run renderer's. */
export function phaseLines(stream: NodeJS.WritableStream): EventSink {
  return (event) => {
    if (event.type === 'step-finished' && event.step.kind === 'rehearse') {
      stream.write(`${event.status === 'done' ? '✔' : '✖'} ${event.step.title}${event.detail ? `: ${event.detail}` : ''} (${formatDuration(event.duration_ms)})\n`);
    }
  };
}

/** The report of a rehearsal: exit code, text, the --json document, stderr lines. Pure. */
export function renderRehearsal(r: Rehearsal, verbose: boolean, format: 'text' | 'markdown' = 'text'): RunReport {
  const phases = r.phases.map((p) => ({ name: p.name, status: p.status, duration_ms: Math.round(p.durationMs), ...(p.detail ? { detail: p.detail } : {}) }));
  const head = { part: r.part.name, phases, ...(r.traced ? { trace: renderTraceJson(r.traced.trace, r.traced.violations) } : {}) };
  const trace = !r.traced ? '' : `${format === 'markdown' ? `${renderTraceMarkdown(r.part.name, r.traced.trace, r.traced.violations)}\n` : renderTraceText(r.traced.trace, r.traced.violations)}\n`;
  switch (r.outcome) {
    case 'up-to-date':
      return { exitCode: ExitCode.ok, text: `${r.part.name} (${r.part.dbname}): up to date at version ${r.current ?? 'none'}; nothing to rehearse.`, json: { ok: true, ...head }, errors: [] };
    case 'traced':
    case 'lock-policy': {
      const failed = r.outcome === 'lock-policy';
      const verdict = failed ? `${r.part.name}: the rehearsal broke the lock policy (lint.max_lock_ms); production is untouched.` : `${r.part.name}: traced on a copy; production is untouched.`;
      return { exitCode: failed ? ExitCode.differences : ExitCode.ok, text: `${trace}${verdict}`, json: { ok: !failed, ...head, method: r.method }, errors: [] };
    }
    case 'rehearsed':
      return { exitCode: ExitCode.ok, text: `${trace}${r.part.name}: rehearsed on a copy, identical to a fresh build; production is untouched.`, json: { ok: true, ...head, method: r.method }, errors: [] };
    case 'failed-on-copy':
      return {
        exitCode: ExitCode.failed,
        text: `${r.part.name}: the upgrade failed on the copy; production is untouched.`,
        json: { ok: false, ...head, method: r.method, ...(r.error ? { error: r.error.toJSON() } : {}) },
        errors: r.error ? renderError(r.error, verbose) : [],
      };
    case 'different': {
      const { result, databases, hint } = r.comparison!;
      return {
        exitCode: ExitCode.differences,
        text: `${trace}${renderCheckText(result, { ...databases, verbose })}\n${r.part.name}: the upgraded copy of ${r.part.dbname} differs from a fresh build; production is untouched.${hint ? `\n  hint: ${hint}` : ''}`,
        json: { ok: false, ...head, method: r.method, check: renderCheckJson(result, databases) },
        errors: [],
      };
    }
    case 'upgraded':
    case 'upgrade-failed': {
      const applied = renderRunReport(r.upgrade!, verbose);
      const said = r.outcome === 'upgraded' ? 'production upgraded' : 'but the upgrade of production failed';
      return {
        exitCode: applied.exitCode,
        errors: applied.errors,
        json: { ok: applied.exitCode === 0, ...head, copy: r.method, apply: applied.json },
        text: `${trace}${applied.text}\n${r.part.name}: rehearsed on a copy, identical to a fresh build, ${said}.`,
      };
    }
  }
}
