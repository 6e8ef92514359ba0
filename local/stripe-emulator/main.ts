/**
 * Runs the Stripe emulator on its own: `npx tsx local/stripe-emulator/main.ts`.
 *   STRIPE_EMULATOR_PORT   port on 127.0.0.1 (default 12111)
 *   STRIPE_WEBHOOK_URL     where to POST events (unset: events are stored, not delivered)
 *   STRIPE_WEBHOOK_SECRET  signing secret (default: the local development secret below)
 */
import { LOCAL_DEFAULTS } from '../defaults';
import { LOCAL_WEBHOOK_SECRET, startStripeEmulator } from './server';

async function main(): Promise<void> {
  const port = Number(process.env.STRIPE_EMULATOR_PORT ?? LOCAL_DEFAULTS.stripeEmulatorPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`STRIPE_EMULATOR_PORT is not a port: ${process.env.STRIPE_EMULATOR_PORT}`);
  const emulator = await startStripeEmulator({
    port,
    webhookUrl: process.env.STRIPE_WEBHOOK_URL || undefined,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET || LOCAL_WEBHOOK_SECRET,
    log: (line) => console.log(`[stripe-emulator] ${line}`),
  });
  const stop = (signal: string) => {
    console.log(`[stripe-emulator] ${signal}: stopping`);
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('[stripe-emulator] failed to start:', error);
  process.exit(1);
});
