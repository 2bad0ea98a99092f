// Build step: copy the catalog queries of `pgv check` (lib/check/queries/*.sql) next to the
// compiled code, where lib/check/inspect.ts reads them.
import { cpSync } from 'node:fs';

cpSync('lib/check/queries', 'dist/lib/check/queries', { recursive: true });
