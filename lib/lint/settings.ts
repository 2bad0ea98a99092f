/** Which rules run and at what level: the defaults, then a part's `lint:` option. Pure. */
import { rules, type LintLevel } from './rules.js';

/** A rule's level as configured: `off` silences it. */
export type RuleSetting = LintLevel | 'off';

/** The lint settings of a part (its `lint:` option, normalized). */
export interface LintSettings {
  /** Every rule at this level, unless `rules` names it (omitted: each rule's own default). */
  readonly level?: RuleSetting;
  /** Per rule id. */
  readonly rules: Readonly<Record<string, RuleSetting>>;
  /** Trace policy: the longest a lock of a mode may be held, in milliseconds, by mode (`access_exclusive`). */
  readonly maxLockMs: Readonly<Record<string, number>>;
}

/** No `lint:` option: every rule at its default level. */
export const defaultLintSettings: LintSettings = Object.freeze({ rules: Object.freeze({}), maxLockMs: Object.freeze({}) });

/** The level of `rule` under `settings` (`off`: not reported). */
export function levelOf(rule: string, settings: LintSettings): RuleSetting {
  const own = settings.rules[rule];
  if (own) return own;
  if (rule === 'syntax-error') return 'error'; // a script that does not parse never runs
  if (settings.level) return settings.level;
  return rules.find((r) => r.id === rule)?.level ?? 'warning';
}

/** The ids of every rule, for the config schema's check and suggestions. */
export const ruleIds: readonly string[] = rules.map((r) => r.id);
