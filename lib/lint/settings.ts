/** Which rules run and at what level: the defaults, then a part's `lint:` option. Pure. */
import type { LintOptions, LintRuleSetting } from '../config/types.js';
import { rules } from './rules.js';

/** A rule's level as configured: `off` silences it. */
export type RuleSetting = LintRuleSetting;

/** The lint settings of a part (its `lint:` option). */
export type LintSettings = LintOptions;

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
