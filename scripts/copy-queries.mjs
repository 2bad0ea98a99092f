// Build step: copy the catalog queries of `pgv check` (lib/check/queries/*.sql) next to the
// compiled code, where lib/check/inspect.ts reads them; and the Python side of hooks
// (lib/hooks/py: the runner and pum.core.deltapy), where lib/hooks/python.ts runs them.
import { cpSync } from 'node:fs';

cpSync('lib/check/queries', 'dist/lib/check/queries', { recursive: true });
cpSync('lib/hooks/py', 'dist/lib/hooks/py', { recursive: true, filter: (src) => !src.includes('__pycache__') });
