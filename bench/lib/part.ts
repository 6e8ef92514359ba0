import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where a part writes its figures: `--out <file>`, default bench/results/<part>.tmp.json. */
export function outputFile(part: string): string {
  const at = process.argv.indexOf('--out');
  return at > 0 ? process.argv[at + 1] : path.join(__dirname, '..', 'results', `${part}.tmp.json`);
}

export function writeResult(part: string, result: unknown): string {
  const file = outputFile(part);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

const started = Date.now();
export function progress(part: string, message: string): void {
  process.stderr.write(`[bench:${part} +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

/** Runs a part's main; a part that takes too long is stopped (its cloud closes in `finally`). */
export function runPart(part: string, limitMs: number, main: () => Promise<unknown>): void {
  const timer = setTimeout(() => {
    progress(part, `over its ${limitMs / 1000} s limit: exiting`);
    process.exit(3);
  }, limitMs);
  main()
    .then((result) => {
      const file = writeResult(part, result);
      progress(part, `figures written to ${path.relative(process.cwd(), file)}`);
      clearTimeout(timer);
      // Handler modules keep keep-alive sockets and SDK timers: end the process explicitly.
      process.exit(0);
    })
    .catch((error) => {
      progress(part, `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    });
}
