/**
 * `node dist/bench/rss-main.js ARGS…`: run pgv's CLI `main(ARGS)` in this process, then write this
 * process's peak RSS (KiB) to the file named by BENCH_RSS_FILE. The fallback for machines without
 * GNU time; the file name must not end in cli.js, or importing the CLI would run it a second time.
 */
import { writeFileSync } from 'node:fs';
import { main } from '../lib/cli.js';

const code = await main(process.argv.slice(2));
const file = process.env.BENCH_RSS_FILE;
if (file) writeFileSync(file, `${process.resourceUsage().maxRSS}\n`);
process.exit(code);
