// Build step: precompile schemas/*.schema.json into dist/schemas/*.validate.cjs (ajv standalone
// code), so that validating a config at run time does not load and compile ajv.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { precompiledPath, standaloneValidatorSource } from '../dist/lib/config/validate.js';

for (const schema of ['pgv.config.schema.json', 'pgv.plan.schema.json', 'pgv.saved-plan.schema.json']) {
  const file = precompiledPath(schema);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, standaloneValidatorSource(schema));
}
