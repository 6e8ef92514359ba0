/**
 * `npm start`: the whole saga on 127.0.0.1, logs in the terminal, Ctrl-C stops everything.
 * Knobs (environment): PORT, STRIPE_EMULATOR_PORT, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_WEBHOOK_DELIVERY,
 * PAYMENT_WINDOW_SECONDS, ADMIN_API_KEY, LOCAL_FAULTS, LOCAL_IAM, LOG_LEVEL. See the README.
 * On Ctrl-C it prints the IAM least-privilege findings of the calls made (local/iam).
 */
import { startLocalCloud, type LocalCloud } from './cloud';
import { LOCAL_DEFAULTS } from './defaults';
import { installReadableLogs } from './readable-logs';
import { captureEmfLines, startLocalConsole } from '../console/server/local-console';
import type { ConsoleServer } from '../console/server/console-server';

const print = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  installReadableLogs(process.stdout);
  const emf = captureEmfLines(process.stdout); // the handlers' metrics, charted by the console
  let cloud: LocalCloud | undefined;
  let consoleServer: ConsoleServer | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`\n${signal}: stopping the local cloud...`);
    if (cloud) for (const line of cloud.iam.formatFindings()) print(line);
    await consoleServer?.close();
    await cloud?.close();
    print('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  cloud = await startLocalCloud({ log: (line) => print(line) });
  const c = cloud;
  consoleServer = await startLocalConsole(c, { port: Number(process.env.CONSOLE_PORT || 3100), emfLines: emf.lines });
  const sku = LOCAL_DEFAULTS.demoSku;
  print(`
checkout-saga local cloud ready in ${(c.timings.totalMs / 1000).toFixed(1)} s

  Node.js         ${c.nodeRuntime.summary}
  API             ${c.apiUrl}
  Console         ${consoleServer.url}/  (one order on one page, live)
  Stripe          ${c.stripe.mode === 'emulator' ? `emulator at ${c.stripe.apiBase} (no Stripe account needed)` : 'REAL Stripe (test key from STRIPE_SECRET_KEY)'}
  Webhooks        ${webhookRoute(c)}
  Webhook secret  ${c.stripe.mode === 'emulator' ? c.stripe.webhookSecret : `${c.stripe.webhookSecret.slice(0, 10)}... (${c.stripe.delivery === 'listen' ? 'from stripe listen --print-secret' : 'from STRIPE_WEBHOOK_SECRET'})`}
  Admin API key   ${c.adminApiKey}   (header x-api-key, local only)
  Payment window  ${c.paymentWindowSeconds} s
  Step Functions  ${c.endpoints.sfn}  (AWS_ENDPOINT_URL_SFN for the aws CLI / SDK)
  DynamoDB        ${c.endpoints.dynamodb}
  SQS / SNS       ${c.endpoints.sqs}

Try it:
  npm run checkout -- --sku ${sku} --qty 1 --card visa
  curl -s ${c.apiUrl}/products
  curl -s -X POST ${c.apiUrl}/checkout -H 'content-type: application/json' \\
    -d '{"items":[{"sku":"${sku}","quantity":1}],"customer":{"email":"ada@example.com"},"shippingAddress":{"name":"Ada","line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}}'
  curl -s ${c.apiUrl}/orders/<orderId>

Ctrl-C stops everything.
`);
}

function webhookRoute(c: LocalCloud): string {
  if (c.stripe.delivery === 'endpoint') {
    return c.stripe.mode === 'emulator' ? `POSTed by the emulator to ${c.apiUrl}/webhooks/stripe` : `forwarded by you to ${c.apiUrl}/webhooks/stripe`;
  }
  return `forwarded by stripe listen (${c.stripe.cli?.source === 'npm' ? 'the npm-installed Stripe CLI' : c.stripe.cli?.path}) to ${c.apiUrl}/webhooks/stripe`;
}

main().catch((error) => {
  // A refused configuration (a live Stripe key...) says what to do; a stack would bury it.
  const detail = error instanceof Error ? (error.name === 'StripeSetupError' ? error.message : error.stack) : error;
  print(`local cloud failed to start: ${detail}`);
  process.exit(1);
});
