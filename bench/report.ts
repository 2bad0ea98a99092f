/** Rendering bench results: the summary table, the raw samples, and the JSON written to disk. Pure. */
import { median } from './measure.js';
import type { Measurement } from './apply-bench.js';

/** One measurement summarised: medians, ratio, goal and verdict. */
export interface Summary {
  readonly name: string;
  readonly unit: string;
  readonly pgvMedian: number;
  readonly floorMedian: number;
  /** The median of the per-pair ratios pgv[i] / floor[i] (of the medians when the counts differ). */
  readonly ratio: number;
  /** The smallest and largest per-pair ratio (equal to `ratio` when the counts differ). */
  readonly ratioMin: number;
  readonly ratioMax: number;
  readonly goal: number;
  readonly met: boolean;
  readonly floor: string;
  readonly pgv: readonly number[];
  readonly floorSamples: readonly number[];
}

/** The ratios of pairs measured together (pgv[i] / floor[i]): their median, min and max. */
export interface PairRatios {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The per-pair ratios of two equally long sample lists; null when their lengths differ or are 0. */
export function pairRatios(pgv: readonly number[], floor: readonly number[]): PairRatios | null {
  if (pgv.length === 0 || pgv.length !== floor.length) return null;
  const ratios = pgv.map((v, i) => v / floor[i]!);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** `1.04× [0.98–1.10]`. */
export function formatPairs(p: PairRatios): string {
  return `${p.median.toFixed(2)}× [${p.min.toFixed(2)}–${p.max.toFixed(2)}]`;
}

/**
 * Medians and the pgv / floor ratio of each measurement: when both sides have one sample per
 * round (interleaved pairs), the median of the per-pair ratios with their min and max, so that a
 * slow moment of the machine lands on both sides of one pair instead of on one side's median.
 * A row without a goal (a peer tool's) has goal Infinity.
 */
export function summarize(measurements: readonly Measurement[]): Summary[] {
  return measurements.map((m) => {
    const pgvMedian = median(m.pgv);
    const floorMedian = median(m.floor);
    const ratios = m.pgv.length === m.floor.length ? m.pgv.map((v, i) => v / m.floor[i]!) : [pgvMedian / floorMedian];
    const ratio = median(ratios);
    return { name: m.name, unit: m.unit, pgvMedian, floorMedian, ratio, ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), goal: m.goal, met: ratio <= m.goal, floor: m.floorDescription, pgv: m.pgv, floorSamples: m.floor };
  });
}

/** The summary table, the floors' descriptions and the raw per-repetition numbers, as text. */
export function renderTable(summaries: readonly Summary[]): string {
  const header = ['measurement', 'pgv median', 'floor median', 'ratio [min–max]', 'goal', 'met'];
  const rows = summaries.map((s) => [s.name, value(s.pgvMedian, s.unit), value(s.floorMedian, s.unit), `${s.ratio.toFixed(2)}× [${s.ratioMin.toFixed(2)}–${s.ratioMax.toFixed(2)}]`, Number.isFinite(s.goal) ? `≤ ${s.goal}×` : '-', Number.isFinite(s.goal) ? (s.met ? 'yes' : 'NO') : '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ''];
  out.push('floors:');
  for (const s of summaries) out.push(`  ${s.name}: ${s.floor}`);
  out.push('', 'ratio: the median of the per-pair ratios (pgv / floor, one pair per round, sides alternating which runs first), with min and max', '', 'raw samples (per repetition):');
  for (const s of summaries) {
    out.push(`  ${s.name}`, `    pgv:   ${s.pgv.map((v) => value(v, s.unit)).join(', ')}`, `    floor: ${s.floorSamples.map((v) => value(v, s.unit)).join(', ')}`);
  }
  return out.join('\n');
}

/** The JSON document for bench/results/latest.json. */
export function resultsJson(summaries: readonly Summary[], context: Record<string, unknown>): unknown {
  return {
    ...context,
    measurements: summaries.map((s) => ({
      name: s.name,
      unit: s.unit,
      pgv_median: round(s.pgvMedian),
      floor_median: round(s.floorMedian),
      ratio: round(s.ratio, 3),
      ratio_min: round(s.ratioMin, 3),
      ratio_max: round(s.ratioMax, 3),
      // A row without a goal (a peer tool's) has goal and goal_met null.
      goal: Number.isFinite(s.goal) ? s.goal : null,
      goal_met: Number.isFinite(s.goal) ? s.met : null,
      floor: s.floor,
      pgv_samples: s.pgv.map((v) => round(v)),
      floor_samples: s.floorSamples.map((v) => round(v)),
    })),
  };
}

function value(v: number, unit: string): string {
  return unit === 'KiB' ? `${(v / 1024).toFixed(1)} MiB` : `${Math.round(v)} ms`;
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
