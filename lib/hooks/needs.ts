/** Which steps of a plan run Python hooks. Pure: the executor asks before it runs anything. */
import type { Step } from '../plan/types.js';
import type { ScriptSet } from '../recipes/types.js';

/** The file of the first step among `steps` that runs a Python hook (a preconditionN.py, a .py delta), if any. */
export function firstPythonHook(steps: readonly Step[], scripts: ScriptSet): string | undefined {
  const python = new Map([...scripts.updates, ...(scripts.preAll ? [scripts.preAll] : []), ...(scripts.postAll ? [scripts.postAll] : [])].filter((s) => s.language === 'python').map((s) => [s.name, s.path]));
  for (const step of steps) {
    if (step.kind === 'precondition') {
      const pre = scripts.preconditions.get(step.version);
      if (pre?.language === 'python') return pre.path;
    }
    if (step.kind === 'run-script' && python.has(step.script)) return python.get(step.script);
  }
  return undefined;
}
