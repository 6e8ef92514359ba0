/**
 * SDK interception: the one place where the local cloud steps into AWS SDK v3 calls made in this
 * process (the handlers' clients, Powertools', the state machine's direct integrations). IAM
 * (local/iam) denies calls here and the service faults (local/faults) throttle, fail or slow them.
 *
 * `send` of the base class every client extends is wrapped while at least one interceptor is
 * installed, so that each client instance gets one middleware on its stack at its first call. The
 * middleware sits in the deserialize step after the deserializer: a response an interceptor returns
 * is parsed by the SDK's own deserializer inside its retry loop, so callers get the error class,
 * `$metadata`, `$retryable` and retries the real service's answer would give them.
 *
 * The caller of a call: the state machine's direct integrations run `asCaller(...)`; each consumer
 * adds its own notion of caller (the Lambda invocation's function) on top of `explicitCaller()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A response as the service sends it over the wire. */
export interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface SdkCall {
  /** IAM's service prefix: `dynamodb`, `sqs`, `sns`, `states`, `ssm`. */
  service: string;
  /** `UpdateItem`, `SendTaskSuccess`... */
  operation: string;
  /** The command's input as the SDK serialises it (after DocumentClient marshalling). */
  input: any;
}

/** What the next handler (the HTTP request to the service) gives back, undeserialised. */
export interface RawResult {
  response: unknown;
  output?: unknown;
}

/**
 * Decides one call: `send()` makes the real request; returning `{ response: wireResponse }`
 * instead (or after it) makes the SDK parse that as the service's answer; throwing is a network error.
 */
export type SdkInterceptor = (call: SdkCall, send: () => Promise<RawResult>) => Promise<RawResult>;

/** `DynamoDBClient` + `UpdateItemCommand` -> service `dynamodb`, operation `UpdateItem`. */
export function serviceAndOperation(clientName: string, commandName: string): { service: string; operation: string } {
  const service = SERVICE_OF_CLIENT[clientName.replace(/Client$/, '')] ?? clientName.replace(/Client$/, '').toLowerCase();
  return { service, operation: commandName.replace(/Command$/, '') };
}

const SERVICE_OF_CLIENT: Record<string, string> = {
  DynamoDB: 'dynamodb',
  DynamoDBDocument: 'dynamodb',
  SQS: 'sqs',
  SNS: 'sns',
  SFN: 'states',
  SSM: 'ssm',
  Lambda: 'lambda',
};

const explicitCallers = new AsyncLocalStorage<string>();

/** The caller `runAsCaller`/`asCaller` set for the current async context, if any. */
export function explicitCaller(): string | undefined {
  return explicitCallers.getStore();
}

export function runAsCaller<T>(caller: string, work: () => T): T {
  return explicitCallers.run(caller, work);
}

/** A client whose `send` runs as `caller` (the state machine's role for its direct integrations). */
export function asCaller(caller: string, client: { send(command: any): Promise<any> }): { send(command: unknown): Promise<unknown> } {
  return { send: (command) => explicitCallers.run(caller, () => client.send(command)) };
}

interface Installed {
  name: string;
  interceptor: SdkInterceptor;
}

/** Outermost first: installed earlier, decides earlier (IAM's denial comes before a fault). */
const installed: Installed[] = [];
let restoreSend: (() => void) | undefined;

/** Installs `interceptor` under `name` until the returned function is called. */
export function interceptSdkClients(name: string, interceptor: SdkInterceptor): () => void {
  if (installed.some((entry) => entry.name === name)) throw new Error(`an SDK interceptor named ${name} is already installed`);
  const entry = { name, interceptor };
  installed.push(entry);
  restoreSend ??= wrapBaseSend();
  return () => {
    const index = installed.indexOf(entry);
    if (index >= 0) installed.splice(index, 1);
    if (installed.length === 0) {
      restoreSend?.();
      restoreSend = undefined;
    }
  };
}

/** One middleware per client stack; it runs whatever interceptors are installed at call time. */
function localCloudMiddleware(next: (args: any) => Promise<any>, context: { clientName?: string; commandName?: string }) {
  return (args: { input: unknown }): Promise<any> => {
    if (installed.length === 0) return next(args);
    const call: SdkCall = { ...serviceAndOperation(String(context.clientName ?? ''), String(context.commandName ?? '')), input: args.input };
    const chain = [...installed];
    const run = (index: number): Promise<RawResult> => (index < chain.length ? chain[index].interceptor(call, () => run(index + 1)) : next(args));
    return run(0);
  };
}

/**
 * Wraps `send` of the base class every AWS SDK v3 client extends (found through the clients this
 * project uses, so that it is the very copy they load).
 */
function wrapBaseSend(): () => void {
  const bases = new Set<{ send: (...args: any[]) => any }>();
  for (const clientClass of [DynamoDBClient, DynamoDBDocumentClient, SQSClient, SNSClient, SFNClient, SSMClient]) {
    let prototype = clientClass.prototype;
    while (prototype && !Object.prototype.hasOwnProperty.call(prototype, 'send')) prototype = Object.getPrototypeOf(prototype);
    if (!prototype) throw new Error(`SDK interception: cannot find the send() of ${clientClass.name}'s base class`);
    bases.add(prototype);
  }
  const instrumented = new WeakSet<object>();
  const restores: Array<() => void> = [];
  for (const base of bases) {
    const originalSend = base.send;
    base.send = function sendInLocalCloud(this: { middlewareStack: any; handlers?: unknown }, ...args: any[]) {
      if (this.middlewareStack && !instrumented.has(this.middlewareStack)) {
        this.middlewareStack.add(localCloudMiddleware, { step: 'deserialize', priority: 'low', name: 'localCloudInterception', override: true });
        instrumented.add(this.middlewareStack);
        delete this.handlers; // handlers cached before instrumentation would skip it
      }
      return originalSend.apply(this, args);
    };
    restores.push(() => {
      base.send = originalSend;
    });
  }
  return () => restores.forEach((restore) => restore());
}
