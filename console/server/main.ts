/**
 * `npm run console -- --stage <stage> --region <region> [--allow-actions] [--api-url <url>] [--port <n>]`:
 * the console against a deployed stage, with the caller's AWS credentials (default chain) and the
 * stage's Stripe test key (STRIPE_SECRET_KEY). Read-only unless --allow-actions; local-only actions hidden.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { startConsoleServer } from './console-server';

async function main() {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      region: { type: 'string' },
      'allow-actions': { type: 'boolean', default: false },
      'api-url': { type: 'string' },
      port: { type: 'string' },
    },
  });
  const stage = values.stage;
  const region = values.region ?? process.env.AWS_REGION;
  if (!stage || !region) throw new Error('Usage: npm run console -- --stage <stage> --region <region> [--allow-actions] [--api-url <url>] [--port <n>]');
  const secretKey = process.env.STRIPE_SECRET_KEY;
  if (!secretKey) throw new Error("Set STRIPE_SECRET_KEY to the stage's Stripe key (restricted read keys work for a read-only console)");
  if (secretKey.startsWith('sk_live_') && values['allow-actions']) throw new Error('--allow-actions pays with test cards: refused with a live Stripe key');
  const server = await startConsoleServer({
    stage,
    region,
    apiUrl: values['api-url']?.replace(/\/$/, ''),
    adminApiKey: process.env.ADMIN_API_KEY,
    stripe: { secretKey },
    allowActions: values['allow-actions'] ?? false,
    aslPath: join(__dirname, '..', '..', 'stepfunctions', 'checkout.asl.yml'),
    port: values.port === undefined ? Number(process.env.CONSOLE_PORT || 3100) : Number(values.port),
  });
  process.stderr.write(`checkout-saga console for stage ${stage} (${region}) at ${server.url}/ ${values['allow-actions'] ? '(actions allowed)' : '(read-only)'}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  process.stderr.write(`console: ${(error as Error).message}\n`);
  process.exit(1);
});
