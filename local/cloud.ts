/**
 * The local cloud: the whole saga on 127.0.0.1 with stand-ins that speak the real wire protocols.
 *
 *   HTTP API (API Gateway, payload 2.0)  -> local/http-api        -> handlers in process
 *   DynamoDB                             -> DynamoDB Local (Java) -> tables from serverless.yml
 *   SQS / SNS                            -> fauxqs (child process) -> queues/topics from serverless.yml
 *   Step Functions                       -> local/stepfunctions   -> stepfunctions/checkout.asl.yml
 *   Stripe                               -> local/stripe-emulator (or real Stripe with a test key)
 *
 * Handlers are unchanged: they find the stand-ins through AWS_ENDPOINT_URL_<SERVICE> and
 * STRIPE_API_BASE, exactly as configuration, never by knowing they run locally.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { LOCAL_DEFAULTS } from './defaults';
import { buildRouteTable } from './http-api/routes';
import { startHttpApi, type RunningHttpApi } from './http-api/server';
import { createLambdaRuntime, type InvocationReport, type LambdaRuntime } from './lambda/invoker';
import { checkNodeRuntime, type NodeRuntimeCheck } from './lambda/node-runtime';
import { LambdaServiceError } from './shared/lambda-service-error';
import { startFunctionEventSources, type FunctionEventSources } from './messaging/function-event-sources';
import { startLocalScheduler, type LocalScheduler } from './scheduler';
import { endpointVariables, startLocalInfrastructure, type LocalInfrastructure } from './local-infrastructure';
import { LOCAL_ACCOUNT_ID } from './cloudformation/intrinsics';
import { awsServiceIntegrations, LocalStepFunctions, startStepFunctionsServer, type StepFunctionsServer } from './stepfunctions';
import { startStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from './stripe-emulator/server';
import { HANDLED_EVENT_TYPES } from '../src/domain/webhook-decision';
import { findStripeCli, type StripeCliBinary } from './stripe-cli/binary';
import { checkRealStripeKey, chooseWebhookDelivery, type WebhookDelivery } from './stripe-cli/delivery-choice';
import { printListenSecret, startStripeListen } from './stripe-cli/listen';
import { createLocalIam, parseIamMode, stateMachineCaller, type IamMode, type LocalIam, type Revocation } from './iam';
import { currentFunctionKey } from './lambda/invoke-store';
import { loadPackagedTemplate } from './serverless-config/load-packaged-template';
import { createLocalFaults, parseLimitsMode, splitLocalFaults, type LimitsMode, type LocalFaults, type ServiceFaultSpec, type ServiceName } from './faults';
import { LOCAL_REGION } from './cloudformation/intrinsics';

export interface LocalCloudOptions {
  root?: string;
  /** HTTP API port; 0 = a free port. Default PORT or 3000. */
  port?: number;
  /** Stripe emulator port; 0 = a free port. Default STRIPE_EMULATOR_PORT or 12111. */
  stripeEmulatorPort?: number;
  /** A real Stripe test key: use real Stripe instead of the emulator. Default STRIPE_SECRET_KEY. */
  stripeSecretKey?: string;
  stripeWebhookSecret?: string;
  /**
   * How events reach the webhook function: `endpoint` (the emulator POSTs them) or `listen` (the
   * Stripe CLI's `stripe listen` forwards them). Default STRIPE_WEBHOOK_DELIVERY, else `endpoint`
   * with the emulator and `listen` with real Stripe (local/stripe-cli/delivery-choice.ts).
   */
  stripeWebhookDelivery?: WebhookDelivery;
  /**
   * TEST-ONLY: the API real-Stripe mode talks to instead of api.stripe.com (the CLI's --api-base and
   * the functions' STRIPE_API_BASE), so that an emulator can stand in for Stripe where there is no network.
   */
  stripeApiBase?: string;
  /** The payment window given to new orders. Default PAYMENT_WINDOW_SECONDS or 900. */
  paymentWindowSeconds?: number;
  adminApiKey?: string;
  /**
   * Where notifySlack posts ops alerts (a Slack incoming-webhook URL). Default SLACK_WEBHOOK_URL;
   * unset: alerts are only logged. Never looked up in AWS SSM: the local cloud calls nothing outside.
   */
  slackWebhookUrl?: string;
  /** LOCAL_FAULTS syntax, e.g. "fulfillOrder:always,reserveInventory:2,dynamodb:ThrottlingException;rate=0.3". Default LOCAL_FAULTS. */
  faults?: string;
  /** Service faults at start, added to those of `faults` (docs/local-faults.md), e.g. `{ dynamodb: { error: 'ThrottlingException', rate: 0.3 } }`. */
  serviceFaults?: Partial<Record<ServiceName, ServiceFaultSpec | ServiceFaultSpec[]>>;
  /** `production`: enforce the deployed stack's first quotas (README, Production limits). Default LOCAL_LIMITS or off. */
  limits?: LimitsMode;
  /** Handlers' log level (Powertools). Default LOG_LEVEL or INFO. */
  logLevel?: string;
  /** Emulator webhook delivery settings (retries, duplicates, reordering). */
  stripeDelivery?: StripeEmulatorOptions['delivery'];
  /** Every queue's VisibilityTimeout, for fast redelivery in tests. Default LOCAL_SQS_VISIBILITY_TIMEOUT_SECONDS or as deployed. */
  queueVisibilityTimeoutSeconds?: number;
  /** Every `schedule` event's period in seconds instead of the deployed one (tests). Default LOCAL_SCHEDULE_RATE_SECONDS or as deployed. */
  scheduleRateSeconds?: number;
  /** false: no schedule runs (tests of the payment window's close as the last line of defence). Default true. */
  runSchedules?: boolean;
  /** Load local/seed/catalogue.json. Default true. */
  seedCatalogue?: boolean;
  /** One line per noteworthy event of the stand-ins. */
  log?: (line: string) => void;
  /** Called after every Lambda invocation (function key, request id, duration, error): bench/ counts them. */
  onInvocation?: (report: InvocationReport) => void;
  iam?: {
    /** enforce | warn | off. Default LOCAL_IAM or enforce. */
    mode?: IamMode;
    /**
     * TEST-ONLY: actions taken out of a role before enforcement, to prove that a missing permission
     * fails as on AWS, e.g. `{ caller: 'stripeWebhook', action: 'states:SendTaskSuccess' }` or
     * `{ caller: 'states:checkout', action: 'dynamodb:UpdateItem' }`. Never for making things pass.
     */
    revocations?: Revocation[];
  };
}

export interface LocalCloud {
  apiUrl: string;
  stripe: {
    mode: 'emulator' | 'real';
    delivery: WebhookDelivery;
    /** The CLI running `stripe listen` (delivery `listen`). */
    cli?: StripeCliBinary;
    apiBase?: string;
    webhookSecret: string;
    secretKey: string;
    emulator?: StripeEmulator;
  };
  adminApiKey: string;
  paymentWindowSeconds: number;
  stateMachineArn: string;
  opsAlertsTopicArn: string;
  endpoints: { dynamodb: string; sqs: string; sns: string; sfn: string };
  stepFunctions: LocalStepFunctions;
  lambda: LambdaRuntime;
  infra: LocalInfrastructure;
  /** IAM enforcement: denials so far, least-privilege findings of the calls made (local/iam). */
  iam: LocalIam;
  /** The functions' `schedule` events, run as EventBridge would (local/scheduler). */
  scheduler: LocalScheduler;
  /** Service faults (`faults.services.set/clear/list`) and production limits (local/faults). */
  faults: LocalFaults;
  /** Every message published to the ops-alerts topic since start. */
  opsAlerts(): Promise<Array<{ message: string; subject?: string }>>;
  /** The Node.js that runs the handlers against the functions' Lambda runtime. */
  nodeRuntime: NodeRuntimeCheck;
  timings: { totalMs: number; infraMs: number };
  close(): Promise<void>;
}

function numberFrom<F extends number | undefined>(value: string | undefined, fallback: F): number | F {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`Expected a whole number, got "${value}"`);
  return parsed;
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const startedAt = Date.now();
  const root = options.root ?? join(__dirname, '..');
  const log = options.log ?? (() => undefined);
  const env = process.env;
  const realStripeKey = options.stripeSecretKey ?? (env.STRIPE_SECRET_KEY || undefined);
  if (realStripeKey) checkRealStripeKey(realStripeKey);
  const explicitWebhookSecret = options.stripeWebhookSecret ?? (env.STRIPE_WEBHOOK_SECRET || undefined);
  let webhookSecret = explicitWebhookSecret ?? LOCAL_DEFAULTS.stripeWebhookSecret;
  const stripeCli = findStripeCli();
  const { delivery, notes: deliveryNotes } = chooseWebhookDelivery({
    realStripeKey,
    requested: options.stripeWebhookDelivery ?? env.STRIPE_WEBHOOK_DELIVERY,
    explicitWebhookSecret,
    cliFound: stripeCli !== undefined,
  });
  for (const note of deliveryNotes) log(`[stripe-cli] ${note}`);
  const stripeKey = realStripeKey ?? LOCAL_DEFAULTS.stripeSecretKey;
  const adminApiKey = options.adminApiKey ?? env.ADMIN_API_KEY ?? LOCAL_DEFAULTS.adminApiKey;
  const paymentWindowSeconds =
    options.paymentWindowSeconds ?? numberFrom(env.PAYMENT_WINDOW_SECONDS, LOCAL_DEFAULTS.paymentWindowSeconds);
  if (paymentWindowSeconds < 1) throw new Error('PAYMENT_WINDOW_SECONDS must be at least 1');

  const stoppers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const stop of stoppers.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        log(`[local] error while stopping: ${(error as Error).message}`);
      }
    }
  };

  const iamMode = parseIamMode(options.iam?.mode ?? env.LOCAL_IAM);
  // Packaging takes seconds when not cached: under way while the stand-ins start.
  const template =
    iamMode === 'off' ? undefined : loadPackagedTemplate({ root, stage: 'local', region: env.AWS_REGION || LOCAL_REGION });
  template?.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile

  try {
    const infra = await startLocalInfrastructure({
      root,
      stage: 'local',
      queueVisibilityTimeoutSeconds: options.queueVisibilityTimeoutSeconds ?? numberFrom(env.LOCAL_SQS_VISIBILITY_TIMEOUT_SECONDS, undefined),
    });
    stoppers.push(() => infra.close());
    const infraMs = Date.now() - startedAt;
    for (const note of infra.notes) log(`[cloudformation] ${note}`);
    const node = checkNodeRuntime(infra.service.provider.runtime);
    if (!node.matches) log(`[lambda] ${node.summary}`);

    const faultSpec = splitLocalFaults(options.faults ?? env.LOCAL_FAULTS ?? '');
    const faults = createLocalFaults({
      initial: [
        ...faultSpec.services,
        ...Object.entries(options.serviceFaults ?? {}).flatMap(([service, specs]) => [specs].flat().map((spec) => ({ service: service as ServiceName, spec: spec! }))),
      ],
      limits: options.limits ?? parseLimitsMode(env.LOCAL_LIMITS),
      resources: faultableResources(infra),
      realStripe: Boolean(realStripeKey),
      log,
    });
    if (faults.limitsMode === 'production') log('[limits] LOCAL_LIMITS=production: Stripe, Step Functions and DynamoDB quotas enforced');

    let emulator: StripeEmulator | undefined;
    if (!realStripeKey) {
      emulator = await startStripeEmulator({
        port: options.stripeEmulatorPort ?? numberFrom(env.STRIPE_EMULATOR_PORT, LOCAL_DEFAULTS.stripeEmulatorPort),
        webhookSecret,
        // Subscribed as the deployed endpoint is (README, Deploy): only the event types the saga acts on.
        delivery: { enabledEvents: [...HANDLED_EVENT_TYPES], ...options.stripeDelivery },
        log: (line) => log(`[stripe] ${line}`),
        faults: faults.stripeHook,
      });
      stoppers.push(() => emulator!.close());
    }
    const stripeApiBase = emulator?.url ?? options.stripeApiBase;
    if (delivery === 'listen') {
      // Stable per key: the `stripe listen` started once the HTTP API is up signs with this secret.
      const listenSecret = await printListenSecret({ binary: stripeCli!.path, apiKey: stripeKey, apiBase: stripeApiBase });
      if (explicitWebhookSecret && explicitWebhookSecret !== listenSecret) {
        log('[stripe-cli] STRIPE_WEBHOOK_SECRET differs from the secret stripe listen signs with: forwarded events will fail their signature check');
      }
      webhookSecret = explicitWebhookSecret ?? listenSecret;
    }

    const region = infra.service.provider.region ?? 'us-east-1';
    const stepFunctions = new LocalStepFunctions({ region, accountId: LOCAL_ACCOUNT_ID, logger: (line) => log(`[sfn] ${line}`) });
    // Aborts executions still waiting (e.g. for a payment), so no timer outlives the cloud.
    stoppers.push(() => stepFunctions.shutdown());
    const sfnServer: StepFunctionsServer = await startStepFunctionsServer({ engine: stepFunctions, port: 0 });
    stoppers.push(() => sfnServer.close());

    const iam = createLocalIam({
      mode: iamMode,
      template: await template,
      service: infra.service,
      resolve: infra.resolve,
      stackName: `${infra.service.service}-${infra.service.provider.stage}`,
      location: { region, accountId: LOCAL_ACCOUNT_ID, partition: 'aws', physicalArns: physicalArnsOf(infra) },
      callerOfInvocation: currentFunctionKey,
      revocations: options.iam?.revocations,
      log: (line) => log(line),
    });
    stoppers.push(() => iam.close());
    const tableArns = physicalArnsOf(infra).tables;
    stoppers.push(faults.installSdk({ callerOfInvocation: currentFunctionKey, tableArn: (name) => tableArns.get(name) ?? name }));
    if (iamMode !== 'enforce') log(`[iam] LOCAL_IAM=${iamMode}: ${iamMode === 'warn' ? 'denials are logged, not enforced' : 'no IAM checks'}`);

    const lambda = createLambdaRuntime({
      service: infra.service,
      root,
      resolve: infra.resolve,
      environment: { ...infra.environment, ...endpointVariables({ sfn: sfnServer.url }) },
      overrides: {
        STRIPE_API_BASE: stripeApiBase ?? '',
        STRIPE_SECRET_KEY: stripeKey,
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        ADMIN_API_KEY: adminApiKey,
        // Without these, getSecret('slackWebhookUrl') fell back to AWS SSM (ssm.<region>.amazonaws.com).
        SLACK_WEBHOOK_URL: options.slackWebhookUrl ?? env.SLACK_WEBHOOK_URL ?? '',
        SLACK_WEBHOOK_URL_PARAMETER: '',
        PAYMENT_WINDOW_SECONDS: String(paymentWindowSeconds),
        POWERTOOLS_LOG_LEVEL: options.logLevel ?? env.LOG_LEVEL ?? 'INFO',
      },
      faults: faultSpec.functions,
      runtimeFaults: faults.runtimeFault,
      onInvocation: (report) => {
        options.onInvocation?.(report);
        log(`[lambda] ${report.functionName} ${report.durationMs}ms${report.error ? ` failed: ${report.error.name}: ${report.error.message}` : ''}`);
      },
    });
    stoppers.push(() => lambda.close());

    const [machineKey, machine] = Object.entries<any>(infra.service.stepFunctions?.stateMachines ?? {})[0] ?? [];
    if (!machine) throw new Error('serverless.yml defines no state machine');
    // The direct integrations run with the local cloud's clients, as the state machine's role.
    const machineRole = stateMachineCaller(machineKey);
    for (const registration of awsServiceIntegrations({
      invokeFunction: (name, payload) => {
        const denial = iam.check(machineRole, 'lambda', 'Invoke', { FunctionName: lambda.arnOf(name) });
        if (denial) return Promise.reject(lambdaAccessDenied(denial.message));
        return faults.lambdaInvoke(lambda.keyOf(name)).then(() => lambda.invoke(name, payload));
      },
      dynamodb: iam.asCaller(machineRole, infra.clients.dynamodb),
      sqs: iam.asCaller(machineRole, infra.clients.sqs),
      sns: iam.asCaller(machineRole, infra.clients.sns),
    })) {
      stepFunctions.registerResource(registration.matches, registration.handle);
    }
    const { stateMachineArn } = stepFunctions.createStateMachine({
      name: machine.name,
      definition: infra.resolve(machine.definition) as object,
    });
    if (stateMachineArn !== lambda.environment.STATE_MACHINE_ARN) {
      throw new Error(`STATE_MACHINE_ARN ${lambda.environment.STATE_MACHINE_ARN} does not match the local machine ${stateMachineArn}`);
    }

    const sources: FunctionEventSources = await startFunctionEventSources({
      service: infra.service,
      resolve: infra.resolve,
      sqs: infra.clients.sqs,
      sns: infra.clients.sns,
      lambda,
      onPollerError: (source, error) => log(`[sqs] ${source}: ${error.message}`),
      deliveryFault: faults.deliveryFault,
    });
    stoppers.push(() => sources.stop());

    const scheduler = startLocalScheduler({
      service: infra.service,
      invoke: (name, event) => lambda.invoke(name, event),
      rateSecondsOverride: options.scheduleRateSeconds ?? numberFrom(env.LOCAL_SCHEDULE_RATE_SECONDS, undefined),
      run: options.runSchedules,
      region,
      accountId: LOCAL_ACCOUNT_ID,
      log,
    });
    stoppers.push(() => scheduler.stop());

    if (options.seedCatalogue ?? true) await seedCatalogue(root, infra, lambda.environment.INVENTORY_TABLE);

    const opsAlertsTopicArn = lambda.environment.OPS_ALERTS_TOPIC_ARN;
    const http: RunningHttpApi = await startHttpApi({
      port: options.port ?? numberFrom(env.PORT, LOCAL_DEFAULTS.port),
      routes: buildRouteTable(infra.service as any),
      invoke: (name, event) => lambda.invoke(name, event),
      onRequest: (line) => log(`[http] ${line}`),
      localRoutes: (req, res, body) => controlRoutes(req, res, body, { lambda, infra, opsAlertsTopicArn, iam, faults }),
    });
    stoppers.push(() => http.close());
    if (delivery === 'listen') {
      const listen = await startStripeListen({
        binary: stripeCli!.path,
        apiKey: stripeKey,
        apiBase: stripeApiBase,
        events: HANDLED_EVENT_TYPES,
        forwardTo: `${http.url}/webhooks/stripe`,
        log: (line) => log(`[stripe-cli] ${line}`),
      });
      stoppers.push(() => listen.close());
    } else {
      emulator?.setConfig({ webhookUrl: `${http.url}/webhooks/stripe` });
    }

    return {
      apiUrl: http.url,
      stripe: {
        mode: emulator ? 'emulator' : 'real',
        delivery,
        cli: delivery === 'listen' ? stripeCli : undefined,
        apiBase: stripeApiBase,
        webhookSecret,
        secretKey: stripeKey,
        emulator,
      },
      adminApiKey,
      paymentWindowSeconds,
      stateMachineArn,
      opsAlertsTopicArn,
      endpoints: { ...infra.endpoints, sfn: sfnServer.url },
      stepFunctions,
      lambda,
      infra,
      iam,
      scheduler,
      faults,
      opsAlerts: async () =>
        (await infra.messagesPublishedTo(opsAlertsTopicArn)).map((m: any) => ({ message: m.message, subject: m.subject })),
      nodeRuntime: node,
      timings: { totalMs: Date.now() - startedAt, infraMs },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface SeedProduct {
  sku: string;
  name: string;
  price: number;
  currency: string;
  available: number;
}

async function seedCatalogue(root: string, infra: LocalInfrastructure, tableName: string): Promise<void> {
  const products: SeedProduct[] = JSON.parse(readFileSync(join(root, 'local', 'seed', 'catalogue.json'), 'utf8'));
  await Promise.all(
    products.map((product) =>
      infra.clients.dynamodb.send(
        new PutItemCommand({ TableName: tableName, Item: marshall({ ...product, reserved: 0, sold: 0 }) }),
      ),
    ),
  );
}

/**
 * The local cloud's own control routes (not part of the product's API), under /_local/:
 *   GET    /_local/health
 *   GET    /_local/faults                 current function and service faults, production limits
 *   PUT    /_local/faults/{function}      {"mode": "always" | N}: break a step while executions run
 *   DELETE /_local/faults[/{function}]    heal one or all (function faults)
 *   PUT    /_local/faults/services/{service}, DELETE /_local/faults/services[/{service}]: service faults (local/faults)
 *   GET    /_local/ops-alerts             what reached the ops-alerts topic
 *   GET    /_local/iam                    IAM mode, what the checks cost, denials so far, least-privilege findings
 */
async function controlRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  deps: { lambda: LambdaRuntime; infra: LocalInfrastructure; opsAlertsTopicArn: string; iam: LocalIam; faults: LocalFaults },
): Promise<boolean> {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (!path.startsWith('/_local/')) return false;
  const reply = (status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
    return true;
  };
  const [, , resource, name] = path.split('/');
  try {
    if (resource === 'health' && req.method === 'GET') return reply(200, { ok: true });
    if (resource === 'ops-alerts' && req.method === 'GET') {
      return reply(200, { alerts: await deps.infra.messagesPublishedTo(deps.opsAlertsTopicArn) });
    }
    if (resource === 'iam' && req.method === 'GET' && !name) {
      return reply(200, { mode: deps.iam.mode, stats: deps.iam.stats(), denials: deps.iam.denials(), findings: deps.iam.findings() });
    }
    const serviceFaultReply = deps.faults.route(req.method ?? 'GET', path, body.toString('utf8'));
    if (serviceFaultReply) return reply(serviceFaultReply.status, serviceFaultReply.payload);
    if (resource === 'faults') {
      if (req.method === 'GET' && !name) {
        return reply(200, { faults: deps.lambda.faults.list(), services: deps.faults.services.list(), limits: { mode: deps.faults.limitsMode, stats: deps.faults.limitStats() } });
      }
      if (req.method === 'PUT' && name) {
        const { mode } = JSON.parse(body.toString('utf8') || '{}');
        deps.lambda.faults.set(name, mode);
        return reply(200, { faults: deps.lambda.faults.list() });
      }
      if (req.method === 'DELETE') {
        deps.lambda.faults.clear(name);
        return reply(200, { faults: deps.lambda.faults.list() });
      }
    }
    return reply(404, { error: { code: 'NOT_FOUND', message: `No local control route ${req.method} ${path}` } });
  } catch (error) {
    return reply(400, { error: { code: 'BAD_REQUEST', message: (error as Error).message } });
  }
}

/** What the Lambda API answers a caller without lambda:InvokeFunction (403 AccessDeniedException): an error of the Lambda service, not of the function. */
function lambdaAccessDenied(message: string): Error {
  return new LambdaServiceError('AccessDeniedException', message, 403, randomUUID());
}

/** Table name -> ARN and queue URL -> ARN as the stand-ins report them (local/iam matches requests against the same ARNs as the policies). */
function physicalArnsOf(infra: LocalInfrastructure): { tables: Map<string, string>; queues: Map<string, string> } {
  const tables = new Map<string, string>();
  const queues = new Map<string, string>();
  for (const resource of Object.values(infra.physicalIds)) {
    if (resource.type === 'AWS::DynamoDB::Table' && resource.attributes.Arn) tables.set(resource.ref, resource.attributes.Arn);
    if (resource.type === 'AWS::SQS::Queue' && resource.attributes.Arn) queues.set(resource.ref, resource.attributes.Arn);
  }
  return { tables, queues };
}

/** The names service faults may target (`resources`), per service. */
function faultableResources(infra: LocalInfrastructure): Partial<Record<ServiceName, string[]>> {
  const of = (type: string, name: (ref: string) => string) =>
    Object.values(infra.physicalIds).filter((resource) => resource.type === type).map((resource) => name(resource.ref));
  return {
    dynamodb: of('AWS::DynamoDB::Table', (ref) => ref),
    sqs: of('AWS::SQS::Queue', (ref) => ref.split('/').pop()!),
    sns: of('AWS::SNS::Topic', (ref) => ref.split(':').pop()!),
    lambda: Object.keys(infra.service.functions),
    stepfunctions: Object.values<any>(infra.service.stepFunctions?.stateMachines ?? {}).map((machine) => String(machine.name)),
  };
}
