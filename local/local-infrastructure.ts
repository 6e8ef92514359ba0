/**
 * The storage and messaging half of the local cloud: DynamoDB Local and fauxqs started, the
 * service loaded from serverless.yml, its tables/queues/topics created, and the provider
 * environment resolved to local physical ids plus the standard AWS SDK settings
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS_REGION, fake credentials) that point unchanged handler code at
 * the local stand-ins.
 *
 * Left to the caller, so that others' parts plug in: the Lambda runtime (local/lambda/invoker.ts,
 * given `environment` and `resolve`), functions' event sources (local/messaging/
 * function-event-sources.ts), Step Functions (add AWS_ENDPOINT_URL_SFN with endpointVariables()
 * and resolve the ASL with `resolve`), the HTTP API and the Stripe emulator. Typically:
 *
 *   const infra = await startLocalInfrastructure({ root });
 *   const lambda = createLambdaRuntime({ service: infra.service, root, resolve: infra.resolve,
 *     environment: { ...infra.environment, ...endpointVariables({ sfn }), STRIPE_API_BASE: stripe } });
 *   const sources = await startFunctionEventSources({ service: infra.service, resolve: infra.resolve,
 *     sqs: infra.clients.sqs, sns: infra.clients.sns, lambda });
 *   const asl = infra.resolve(infra.service.stepFunctions.stateMachines.checkout.definition);
 *   ...
 *   await sources.stop(); lambda.close(); await infra.close();
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createIntrinsicResolver, LOCAL_ACCOUNT_ID, LOCAL_REGION, type PhysicalIds, type Resolver } from './cloudformation/intrinsics';
import { provisionResources } from './cloudformation/provision';
import { servicePhysicalIds } from './cloudformation/service-physical-ids';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb/dynamodb-local';
import { startFauxqs, type Fauxqs } from './messaging/fauxqs';
import { startTopicRecorder, type PublishedMessage } from './messaging/sns-deliveries';
import { asEnvironment, type Environment } from './lambda/function-environment';
import { loadService, type ResolvedService } from './serverless-config/load-service';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalEndpoints {
  dynamodb: string;
  sqs: string;
  sns: string;
}

/** `{dynamodb: url, sfn: url}` -> `{AWS_ENDPOINT_URL_DYNAMODB: url, AWS_ENDPOINT_URL_SFN: url}`
 *  (the SDK's per-service variable is AWS_ENDPOINT_URL_ + its service id, upper case, _ for spaces). */
export function endpointVariables(endpoints: Record<string, string>): Environment {
  return Object.fromEntries(Object.entries(endpoints).map(([service, url]) => [`AWS_ENDPOINT_URL_${service.toUpperCase().replace(/ /g, '_')}`, url]));
}

/** What the AWS SDK in handler code needs to reach the local stand-ins and nothing else. */
export function localAwsVariables(endpoints: Record<string, string>, region = LOCAL_REGION): Environment {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    ...endpointVariables(endpoints),
  };
}

export interface LocalInfrastructureOptions {
  root: string;
  stage?: string;
  ports?: { dynamodb?: number; fauxqs?: number };
  /**
   * Overrides every queue's VisibilityTimeout, so that redelivery and DLQ tests take seconds
   * instead of minutes (the deployed value stays in serverless.yml).
   */
  queueVisibilityTimeoutSeconds?: number;
}

export interface LocalInfrastructure {
  endpoints: LocalEndpoints;
  service: ResolvedService;
  physicalIds: PhysicalIds;
  /** provider.environment resolved + the local AWS variables (see localAwsVariables). */
  environment: Environment;
  /** Intrinsics resolver over the local physical ids (resource properties, env values, the ASL). */
  resolve: Resolver;
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient; sns: SNSClient };
  /** Resources and properties skipped for lack of local meaning, one line each. */
  notes: string[];
  /** Every message published to a topic of the template since start. */
  messagesPublishedTo(topicArn: string): Promise<PublishedMessage[]>;
  timings: { dynamodbMs: number; fauxqsMs: number; serviceMs: number; provisionMs: number; totalMs: number };
  /** Process ids of the JVM and the fauxqs child, for diagnostics. */
  pids: { dynamodb: number; fauxqs: number };
  close(): Promise<void>;
}

function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const startedAt = Date.now();
  return work().then((value) => [value, Date.now() - startedAt]);
}

export async function startLocalInfrastructure({ root, stage = 'local', ports = {}, queueVisibilityTimeoutSeconds }: LocalInfrastructureOptions): Promise<LocalInfrastructure> {
  const startedAt = Date.now();
  const started = await Promise.allSettled([
    timed(() => startDynamoDbLocal({ port: ports.dynamodb ?? 0 })),
    timed(() => startFauxqs({ port: ports.fauxqs ?? 0 })),
    timed(() => loadService({ root, stage })),
  ]);
  const [dynamoResult, fauxqsResult, serviceResult] = started;
  const dynamodbLocal = dynamoResult.status === 'fulfilled' ? dynamoResult.value[0] : undefined;
  const fauxqs = fauxqsResult.status === 'fulfilled' ? fauxqsResult.value[0] : undefined;
  const stopServers = async (servers: Array<DynamoDbLocal | Fauxqs | undefined>) => {
    await Promise.allSettled(servers.map((server) => server?.close()));
  };
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure || dynamoResult.status !== 'fulfilled' || fauxqsResult.status !== 'fulfilled' || serviceResult.status !== 'fulfilled') {
    await stopServers([dynamodbLocal, fauxqs]);
    throw failure?.reason ?? new Error('local infrastructure failed to start');
  }
  const service = serviceResult.value[0];
  const region = service.provider.region ?? LOCAL_REGION;
  const endpoints: LocalEndpoints = { dynamodb: dynamoResult.value[0].endpoint, sqs: fauxqsResult.value[0].endpoint, sns: fauxqsResult.value[0].endpoint };
  const clientConfig = { region, credentials: LOCAL_CREDENTIALS };
  const clients = {
    dynamodb: new DynamoDBClient({ ...clientConfig, endpoint: endpoints.dynamodb }),
    sqs: new SQSClient({ ...clientConfig, endpoint: endpoints.sqs }),
    sns: new SNSClient({ ...clientConfig, endpoint: endpoints.sns }),
  };
  const close = async () => {
    for (const client of Object.values(clients)) client.destroy();
    await stopServers([dynamodbLocal, fauxqs]);
  };

  try {
    const provisionStartedAt = Date.now();
    const stackName = `${service.service}-${service.provider.stage}`;
    const known = servicePhysicalIds(service, region, LOCAL_ACCOUNT_ID);
    const provisioned = await provisionResources(withQueueVisibilityTimeout(service.resources?.Resources ?? {}, queueVisibilityTimeoutSeconds), clients, {
      stackName,
      region,
      knownPhysicalIds: known.physicalIds,
      aliases: known.aliases,
    });
    const resolve = createIntrinsicResolver({
      physicalIds: provisioned.physicalIds,
      aliases: known.aliases,
      unprovisioned: provisioned.unprovisioned,
      region,
      stackName,
    });
    const topicArns = Object.values(provisioned.physicalIds)
      .filter((resource) => resource.type === 'AWS::SNS::Topic')
      .map((resource) => resource.ref);
    const recorder = await startTopicRecorder({ sqs: clients.sqs, sns: clients.sns, fauxqsEndpoint: endpoints.sqs, topicArns });
    const providerEnvironment = asEnvironment(resolve(service.provider.environment ?? {}, 'provider.environment'), 'provider.environment');
    const provisionMs = Date.now() - provisionStartedAt;

    return {
      endpoints,
      service,
      physicalIds: provisioned.physicalIds,
      environment: { ...providerEnvironment, ...localAwsVariables({ ...endpoints }, region) },
      resolve,
      clients,
      notes: provisioned.notes,
      messagesPublishedTo: (topicArn) => recorder.messagesPublishedTo(topicArn),
      timings: {
        dynamodbMs: dynamoResult.value[0].startupMs,
        fauxqsMs: fauxqsResult.value[0].startupMs,
        serviceMs: serviceResult.value[1],
        provisionMs,
        totalMs: Date.now() - startedAt,
      },
      pids: { dynamodb: dynamoResult.value[0].pid, fauxqs: fauxqsResult.value[0].pid },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function withQueueVisibilityTimeout(resources: Record<string, any>, seconds: number | undefined): Record<string, any> {
  if (seconds === undefined) return resources;
  return Object.fromEntries(
    Object.entries(resources).map(([id, resource]) =>
      resource?.Type === 'AWS::SQS::Queue'
        ? [id, { ...resource, Properties: { ...resource.Properties, VisibilityTimeout: seconds } }]
        : [id, resource],
    ),
  );
}
