// Child-process entry of the local SQS/SNS (fauxqs is ESM-only, so jest's CommonJS world cannot
// import it). Usage: node fauxqs-server.mjs [port]   (0 or nothing: a free port)
// Prints one JSON line {"port": N} on stdout once it listens on 127.0.0.1. Exits when its stdin
// closes, so that it dies with its parent even if the parent was killed with SIGKILL.
import { buildApp } from 'fauxqs';

// fauxqs builds queue URLs as http://sqs.<region>.localhost:<port>/000000000000/<name>. That host
// does not resolve here, and the AWS SDK's SQS client, when its endpoint comes from
// AWS_ENDPOINT_URL_SQS rather than its constructor, sends each request to the QueueUrl's own host
// (middleware-sdk-sqs, useQueueUrlAsEndpoint): handler code would fail with ENOTFOUND. A store
// whose `host` is empty makes fauxqs build URLs from the request's Host header instead
// (http://127.0.0.1:<port>/000000000000/<name>), whose origin is the endpoint itself, as on AWS.
// The store class is internal to fauxqs 1.9 (not in its exports map), hence the file URL.
async function createSqsStoreWithEndpointUrls() {
  const storeUrl = new URL('./sqs/sqsStore.js', import.meta.resolve('fauxqs'));
  const { SqsStore } = await import(storeUrl.href);
  const store = new SqsStore();
  if (!('host' in store)) throw new Error(`fauxqs SqsStore has no 'host' field any more (${storeUrl.href})`);
  store.host = '';
  return store;
}

const requestedPort = Number(process.argv[2] ?? 0);
const app = buildApp({ logger: false, stores: { sqsStore: await createSqsStoreWithEndpointUrls() } });

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await app.close().catch(() => {});
  process.exit(0);
}
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

await app.listen({ host: '127.0.0.1', port: requestedPort });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
