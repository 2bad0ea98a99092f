/** The build precompiles the JSON Schemas; the precompiled validators are current and used. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { precompiledPath, validateAgainst } from '../../lib/config/validate.js';
import { schemaPath } from '../../lib/util/paths.js';

const require = createRequire(import.meta.url);

for (const schema of ['pgv.config.schema.json', 'pgv.plan.schema.json']) {
  test(`${schema}: the precompiled validator matches the schema file`, () => {
    const compiled = require(precompiledPath(schema)) as { schemaHash: string; default: unknown };
    const hash = createHash('sha256').update(readFileSync(schemaPath(schema), 'utf8')).digest('hex');
    assert.is(compiled.schemaHash, hash, 'rebuild: npm run build');
    assert.type(compiled.default, 'function');
  });
}

test('the precompiled validator keeps what the messages need (verbose errors)', () => {
  const problems = validateAgainst('pgv.config.schema.json', { parts: { app: { recipe: 'schema', dbnmae: 'x', schema: 'db' } } });
  assert.equal(problems, [
    { path: '/parts/app', message: 'missing required key "dbname"' },
    { path: '/parts/app/dbnmae', message: 'unknown key "dbnmae"; did you mean "dbname"?' },
  ]);
});

test.run();
