/**
 * The bench's customers in their own process: the load generator is not the system under test, so
 * its HTTP clients and Stripe SDK calls must not take the local cloud's CPU (bench/lib/customers.ts
 * starts it; one message in, one message out).
 */
import { Customer, type Purchase } from './customer';
import { sleep } from './stats';

export interface CustomersJob {
  apiUrl: string;
  stripeApiBase: string;
  stripeSecretKey: string;
  customers: number;
  durationMs: number;
  pollMs: number;
  /** Order i buys skus[i % skus.length]. */
  skus: string[];
  maxOrders: number;
}

export interface CustomersResult {
  purchases: Purchase[];
  errors: string[];
  startedAt: number;
  endedAt: number;
  /** This process's own CPU time over the run. */
  cpuSeconds: number;
}

/** N customers buying back to back until `durationMs` has passed (each finishes its current order). */
export async function runCustomers(job: CustomersJob): Promise<CustomersResult> {
  const startedAt = Date.now();
  const cpuBefore = process.cpuUsage();
  const deadline = startedAt + job.durationMs;
  const purchases: Purchase[] = [];
  const errors: string[] = [];
  let begun = 0;
  await Promise.all(
    Array.from({ length: job.customers }, async (_, c) => {
      const customer = new Customer(job.apiUrl, job.stripeApiBase, job.stripeSecretKey, job.pollMs);
      // Spread the first requests over one poll interval, as real arrivals would be.
      await sleep((c * job.pollMs) / job.customers);
      while (Date.now() < deadline && begun < job.maxOrders) {
        begun++;
        try {
          purchases.push(await customer.buy([{ sku: job.skus[begun % job.skus.length], quantity: 1 }]));
        } catch (error) {
          errors.push((error as Error).message.slice(0, 200));
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { purchases, errors, startedAt, endedAt: Date.now(), cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

if (require.main === module) {
  process.once('message', (job: CustomersJob) => {
    runCustomers(job).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (error: Error) => process.send!({ error: error.stack ?? error.message }, () => process.exit(1)),
    );
  });
}
