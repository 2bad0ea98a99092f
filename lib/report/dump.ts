/** `pgv dump` and `pgv restore` results as text and as the documented JSON; progress lines. Pure. */
import type { DumpFormat } from '../dump/archive.js';
import type { DumpResult } from '../dump/dump.js';
import type { ClientTool } from '../dump/tools.js';
import type { RestoreResult } from '../dump/restore.js';
import { formatDuration } from '../util/format.js';

/** `--json` of `pgv dump`: {"database","file","format","duration_ms","bytes"}. */
export function renderDumpJson(r: DumpResult): unknown {
  return { database: r.database, file: r.file, format: r.format, duration_ms: Math.round(r.durationMs), bytes: r.bytes };
}

/** `--json` of `pgv restore`: {"database","file","format","duration_ms","objects","created","warnings"}. */
export function renderRestoreJson(r: RestoreResult): unknown {
  return {
    database: r.database,
    file: r.file,
    format: r.format,
    duration_ms: Math.round(r.durationMs),
    objects: r.objects ?? null,
    created: r.created,
    warnings: r.warnings,
  };
}

/** One line for stdout after a dump. */
export function renderDumpText(r: DumpResult): string {
  return `dumped ${r.database} to ${r.file} (${r.format}, ${formatBytes(r.bytes)}) in ${formatDuration(r.durationMs)} with ${r.tool.program} ${r.tool.version}`;
}

/** One line for stdout after a restore. */
export function renderRestoreText(r: RestoreResult): string {
  const objects = r.objects === undefined ? '' : `, ${r.objects} object${r.objects === 1 ? '' : 's'}`;
  return `restored ${r.file} (${r.format}${objects}) into ${r.created ? 'new database ' : ''}${r.database} in ${formatDuration(r.durationMs)} with ${r.tool.program} ${r.tool.version}`;
}

/** The first progress line of a dump: `dumping app with pg_dump 15.18 (custom format)`. */
export function dumpStartText(database: string, tool: ClientTool, format: DumpFormat): string {
  return `dumping ${database} with ${tool.program} ${tool.version} (${format} format)`;
}

/** The first progress line of a restore: `restoring app.dump (custom, 58 objects) into copy with pg_restore 15.18`. */
export function restoreStartText(file: string, database: string, info: { format: DumpFormat; tool: ClientTool; total?: number; created: boolean }): string {
  const what = info.total === undefined ? info.format : `${info.format}, ${info.total} objects`;
  return `restoring ${file} (${what}) into ${info.created ? 'new database ' : ''}${database} with ${info.tool.program} ${info.tool.version}`;
}

/** The live line while restoring: `restoring app_test: 120/356 objects (34%) TABLE DATA public.orders`. */
export function restoreProgressText(database: string, done: number, total: number | undefined, object: string): string {
  if (total === undefined) return `restoring ${database}: ${done} statement${done === 1 ? '' : 's'} (${object})`;
  const shown = Math.min(done, total);
  return `restoring ${database}: ${shown}/${total} objects (${Math.floor((100 * shown) / Math.max(total, 1))}%) ${object}`;
}

/** The live line while dumping: `dumping app: dumping contents of table public.orders`. */
export function dumpProgressText(database: string, activity: string): string {
  return `dumping ${database}: ${activity}`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} bytes` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
