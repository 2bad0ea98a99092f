/**
 * Dump and restore as a library: what `pgv dump` and `pgv restore` run, and what
 * test-and-upgrade uses to copy a busy production database.
 */
export { dumpDatabase, type DumpOptions, type DumpResult } from './dump.js';
export { restoreDatabase, type RestoreOptions, type RestoreResult } from './restore.js';
export { detectFormat, dumpFormats, formatForName, type DumpFormat, type TableOfContents } from './archive.js';
export { findClientTool, type ClientProgram, type ClientTool } from './tools.js';
export { clientEnvironment, libpqVariables } from './env.js';
