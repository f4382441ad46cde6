/**
 * Preloaded into a process the bench does not control (`node -r .tmp/bench/max-rss-preload.js lib/src/cli/main.js`):
 * at exit, writes the process's peak RSS in KiB (`process.resourceUsage().maxRSS`) to the file named by
 * WUKONG_BENCH_RSS_FILE. Transpiled on its own (bench/build.ts): built-ins only.
 */
import { writeFileSync } from 'fs';

const target = process.env.WUKONG_BENCH_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
