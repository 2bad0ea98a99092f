/** `pgv info --fleet` as text and as the documented JSON (schemas/pgv.census.schema.json). Pure. */
import type { Difference } from '../check/model.js';
import type { Census, CensusGroup } from '../fleet/census-model.js';
import { plural } from '../util/format.js';

/** Members named in a text line before "… and N more" (the JSON names them all). */
const shownMembers = 8;
/** Drifted objects named per group in text. */
const shownDifferences = 5;

/** The `--json` document. */
export function renderCensusJson(census: Census): unknown {
  return {
    groups: census.groups.map((g) => ({
      version: g.version,
      fingerprint: g.fingerprint,
      count: g.members.length,
      databases: g.members.map((m) => m.label),
      parts: g.members.map((m) => m.part),
      ...(g.drift ? { drift: { majority: g.drift.majority, differences: g.drift.differences.map((d) => ({ kind: d.kind, name: d.name, change: changeWord(d) })) } } : {}),
    })),
    unreadable: census.unreadable.map((f) => ({ database: f.label, part: f.part, error: f.error })),
  };
}

/** Text: a line per group, the drift under its group, then the databases that could not be read. */
export function renderCensusText(census: Census): string {
  const databases = census.groups.reduce((n, g) => n + g.members.length, 0) + census.unreadable.length;
  const versions = new Set(census.groups.map((g) => g.version)).size;
  const lines = [`${plural(databases, 'database')}: ${plural(census.groups.length, 'group')} by (version, schema fingerprint) over ${plural(versions, 'version')}${census.unreadable.length ? `, ${census.unreadable.length} unreadable` : ''}`];
  for (const g of census.groups) {
    lines.push(`  ${groupName(g)}: ${plural(g.members.length, 'database')}: ${abbreviate(g.members.map((m) => m.label))}`);
    if (g.drift) {
      const majority = census.groups.find((m) => m.fingerprint === g.drift!.majority && m.version === g.version)!;
      const shown = g.drift.differences.slice(0, shownDifferences).map((d) => `${d.kind} ${d.name} (${changeText(d)})`);
      const more = g.drift.differences.length - shown.length;
      lines.push(`    ! drifted: same version as ${groupName(majority)} (${majority.members.length}), different schema: ${shown.join('; ')}${more > 0 ? `; and ${more} more (--json)` : ''}`);
    }
  }
  for (const f of census.unreadable) lines.push(`  ✖ ${f.label} (part ${f.part}): could not be read: ${f.error.message}`);
  return lines.join('\n');
}

function groupName(g: CensusGroup): string {
  if (g.fingerprint === null) return 'missing (no database)';
  return `version ${g.version ?? 'none'} · ${g.fingerprint.slice(0, 12)}`;
}

/** A difference as the drifted group has it, against its version's majority (JSON). */
function changeWord(d: Difference): 'extra' | 'missing' | 'different' {
  return d.change === 'only-in-2' ? 'extra' : d.change === 'only-in-1' ? 'missing' : 'different';
}

/** The same in words (text). */
function changeText(d: Difference): string {
  return d.change === 'only-in-2' ? 'only in this group' : d.change === 'only-in-1' ? 'missing in this group' : 'different';
}

function abbreviate(names: readonly string[]): string {
  if (names.length <= shownMembers) return names.join(', ');
  return `${names.slice(0, shownMembers).join(', ')}, … and ${names.length - shownMembers} more (--json lists them all)`;
}
