/** Runs bench/lib/customers-process.ts as a child process: hands it a job, resolves with its result. */
import { fork } from 'node:child_process';
import path from 'node:path';
import type { CustomersJob, CustomersResult } from './customers-process';

export function runCustomersInChildProcess(job: CustomersJob): Promise<CustomersResult> {
  // The parent runs under tsx: its exec arguments (the TypeScript loader) are inherited.
  const child = fork(path.join(__dirname, 'customers-process.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<CustomersResult>((resolve, reject) => {
    child.once('message', (message: { result?: CustomersResult; error?: string }) => (message.result ? resolve(message.result) : reject(new Error(message.error))));
    child.once('exit', (code) => reject(new Error(`the customers process ended with ${code} before answering`)));
    child.once('error', reject);
  });
  child.send(job);
  return result;
}
