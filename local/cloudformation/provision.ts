/**
 * Creates the template's tables, queues, topics and subscriptions in DynamoDB Local and fauxqs,
 * in dependency order (a queue's DLQ before the queue whose RedrivePolicy names it), and returns
 * the physical ids that the intrinsics resolver maps Ref / Fn::GetAtt to.
 *
 * Nothing is dropped silently: every resource type and every property without a local meaning
 * (alarms, log groups, policies, IAM, encryption, point-in-time recovery...) gets a one-line note.
 */
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type ProvisionedThroughput,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CfnResource } from '../serverless-config/load-service';
import {
  createIntrinsicResolver,
  LOCAL_ACCOUNT_ID,
  LOCAL_PARTITION,
  LOCAL_REGION,
  referencedLogicalIds,
  type PhysicalIds,
  type Resolver,
} from './intrinsics';

export interface ProvisioningClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  sns: SNSClient;
}

export interface ProvisionOptions {
  /** Prefix of generated names when a resource has none (CloudFormation uses the stack name). */
  stackName?: string;
  region?: string;
  accountId?: string;
  /** Physical ids that exist outside `resources` (Lambda functions, state machines). */
  knownPhysicalIds?: PhysicalIds;
  aliases?: Record<string, string>;
}

export interface ProvisionResult {
  /** Logical id -> Ref value and Fn::GetAtt attributes, including `knownPhysicalIds`. */
  physicalIds: PhysicalIds;
  /** Logical ids of resources not created locally -> their type. */
  unprovisioned: Record<string, string>;
  /** Logical ids created, in creation order. */
  created: string[];
  /** One line per ignored resource or property. */
  notes: string[];
}

interface ProvisionStep {
  logicalId: string;
  properties: Record<string, unknown>;
  clients: ProvisioningClients;
  resolve: Resolver;
  options: Required<Pick<ProvisionOptions, 'stackName' | 'region' | 'accountId'>>;
  note(line: string): void;
}
type Provisioner = (step: ProvisionStep) => Promise<PhysicalIds[string]>;

/** Types that have no local meaning: recorded in `notes`, never created. */
const IGNORED_TYPES: Record<string, string> = {
  'AWS::CloudWatch::Alarm': 'no CloudWatch locally',
  'AWS::Logs::LogGroup': 'logs go to the terminal locally',
  'AWS::SNS::TopicPolicy': 'access policies are not enforced locally',
  'AWS::SQS::QueuePolicy': 'access policies are not enforced locally',
  'AWS::Events::Rule': 'no EventBridge locally',
};

/** One note per resource for its properties without local effect (`caveats`: accepted but not enforced). */
function noteIgnoredProperties(
  logicalId: string,
  properties: Record<string, unknown>,
  handled: string[],
  note: (line: string) => void,
  caveats: Record<string, string> = {},
) {
  const ignored = Object.keys(properties)
    .filter((name) => !handled.includes(name) || name in caveats)
    .map((name) => (name in caveats ? `${name} (${caveats[name]})` : name));
  if (ignored.length > 0) note(`${logicalId}: not emulated locally: ${ignored.join(', ')}`);
}

function generatedName(stackName: string, logicalId: string, suffix = ''): string {
  return `${stackName}-${logicalId}`.slice(0, 80 - suffix.length) + suffix;
}

function tagsOf(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value)) return undefined;
  return Object.fromEntries(value.map((tag: { Key: string; Value: unknown }) => [tag.Key, String(tag.Value)]));
}

const provisionTable: Provisioner = async ({ logicalId, properties: raw, clients, resolve, options, note }) => {
  const p = resolve<Record<string, any>>(raw, `${logicalId}.Properties`);
  const handled = ['TableName', 'AttributeDefinitions', 'KeySchema', 'BillingMode', 'ProvisionedThroughput', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes', 'StreamSpecification', 'TimeToLiveSpecification'];
  noteIgnoredProperties(logicalId, p, handled, note);
  const tableName: string = p.TableName ?? generatedName(options.stackName, logicalId);
  const billingMode = p.BillingMode ?? 'PROVISIONED';
  const throughput = (given?: ProvisionedThroughput): ProvisionedThroughput | undefined =>
    billingMode === 'PROVISIONED' ? given ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } : undefined;
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: p.AttributeDefinitions,
    KeySchema: p.KeySchema,
    BillingMode: billingMode,
    ProvisionedThroughput: throughput(p.ProvisionedThroughput),
    GlobalSecondaryIndexes: p.GlobalSecondaryIndexes?.map((index: any) => ({
      IndexName: index.IndexName,
      KeySchema: index.KeySchema,
      Projection: index.Projection,
      ProvisionedThroughput: throughput(index.ProvisionedThroughput),
    })),
    LocalSecondaryIndexes: p.LocalSecondaryIndexes?.map((index: any) => ({ IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection })),
    StreamSpecification: p.StreamSpecification ? { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } : undefined,
  };
  const created = await clients.dynamodb.send(new CreateTableCommand(input));
  const ttl = p.TimeToLiveSpecification;
  if (ttl?.Enabled) {
    await clients.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
  }
  const attributes: Record<string, string> = {
    // As CloudFormation would return it, not DynamoDB Local's own "arn:aws:dynamodb:ddblocal:...": policies
    // built from the table's name (serverless-step-functions') must name the same ARN as Fn::GetAtt (local/iam).
    Arn: `arn:${LOCAL_PARTITION}:dynamodb:${options.region}:${options.accountId}:table/${tableName}`,
  };
  if (created.TableDescription?.LatestStreamArn) attributes.StreamArn = created.TableDescription.LatestStreamArn;
  return { type: 'AWS::DynamoDB::Table', ref: tableName, attributes };
};

/** CloudFormation properties that are SQS queue attributes (values become strings). */
const QUEUE_ATTRIBUTES = [
  'ContentBasedDeduplication', 'DeduplicationScope', 'DelaySeconds', 'FifoQueue', 'FifoThroughputLimit', 'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId', 'MaximumMessageSize', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'RedriveAllowPolicy', 'RedrivePolicy', 'VisibilityTimeout',
];

const provisionQueue: Provisioner = async ({ logicalId, properties: raw, clients, resolve, options, note }) => {
  const p = resolve<Record<string, any>>(raw, `${logicalId}.Properties`);
  noteIgnoredProperties(logicalId, p, ['QueueName', 'Tags', ...QUEUE_ATTRIBUTES], note, {
    MessageRetentionPeriod: 'stored; fauxqs never expires messages',
  });
  const fifo = String(p.FifoQueue) === 'true';
  const queueName: string = p.QueueName ?? generatedName(options.stackName, logicalId, fifo ? '.fifo' : '');
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) {
    if (p[name] === undefined) continue;
    // CloudFormation takes the policies as objects; the SQS API as JSON strings.
    attributes[name] = typeof p[name] === 'object' ? JSON.stringify(p[name]) : String(p[name]);
  }
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes, tags: tagsOf(p.Tags) }));
  if (!QueueUrl) throw new Error(`CreateQueue ${queueName} returned no QueueUrl`);
  const { Attributes } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn ?? `arn:${LOCAL_PARTITION}:sqs:${options.region}:${options.accountId}:${queueName}`;
  return { type: 'AWS::SQS::Queue', ref: QueueUrl, attributes: { Arn: arn, QueueName: queueName, QueueUrl } };
};

async function subscribe(clients: ProvisioningClients, topicArn: string, protocol: string, endpoint: string, attributes: Record<string, string>) {
  const { SubscriptionArn } = await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint, Attributes: attributes, ReturnSubscriptionArn: true }),
  );
  return SubscriptionArn ?? '';
}

const provisionTopic: Provisioner = async ({ logicalId, properties: raw, clients, resolve, options, note }) => {
  const p = resolve<Record<string, any>>(raw, `${logicalId}.Properties`);
  const topicAttributes = ['DisplayName', 'FifoTopic', 'ContentBasedDeduplication', 'KmsMasterKeyId'];
  noteIgnoredProperties(logicalId, p, ['TopicName', 'Tags', 'Subscription', ...topicAttributes], note);
  const fifo = String(p.FifoTopic) === 'true';
  const topicName: string = p.TopicName ?? generatedName(options.stackName, logicalId, fifo ? '.fifo' : '');
  const attributes = Object.fromEntries(topicAttributes.filter((name) => p[name] !== undefined).map((name) => [name, String(p[name])]));
  const { TopicArn } = await clients.sns.send(
    new CreateTopicCommand({ Name: topicName, Attributes: attributes, Tags: p.Tags?.map((tag: any) => ({ Key: tag.Key, Value: String(tag.Value) })) }),
  );
  if (!TopicArn) throw new Error(`CreateTopic ${topicName} returned no TopicArn`);
  for (const subscription of p.Subscription ?? []) {
    if (subscription.Protocol === 'sqs') await subscribe(clients, TopicArn, 'sqs', subscription.Endpoint, {});
    else note(`${logicalId}: ${subscription.Protocol} subscription to ${subscription.Endpoint} is not delivered locally`);
  }
  return { type: 'AWS::SNS::Topic', ref: TopicArn, attributes: { TopicArn, TopicName: topicName } };
};

const provisionSubscription: Provisioner = async ({ logicalId, properties: raw, clients, resolve, note }) => {
  const p = resolve<Record<string, any>>(raw, `${logicalId}.Properties`);
  const attributeNames = ['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy'];
  noteIgnoredProperties(logicalId, p, ['TopicArn', 'Protocol', 'Endpoint', 'Region', ...attributeNames], note);
  if (p.Protocol !== 'sqs') {
    note(`${logicalId}: ${p.Protocol} subscriptions are not delivered locally (functions' sns events are: see local/messaging/sns-deliveries.ts)`);
    return { type: 'AWS::SNS::Subscription', ref: `${p.TopicArn}:${logicalId}`, attributes: {} };
  }
  const attributes = Object.fromEntries(
    attributeNames.filter((name) => p[name] !== undefined).map((name) => [name, typeof p[name] === 'object' ? JSON.stringify(p[name]) : String(p[name])]),
  );
  const arn = await subscribe(clients, p.TopicArn, 'sqs', p.Endpoint, attributes);
  return { type: 'AWS::SNS::Subscription', ref: arn, attributes: {} };
};

const PROVISIONERS: Record<string, Provisioner> = {
  'AWS::DynamoDB::Table': provisionTable,
  'AWS::SQS::Queue': provisionQueue,
  'AWS::SNS::Topic': provisionTopic,
  'AWS::SNS::Subscription': provisionSubscription,
};

/** Ref/GetAtt of some resources that are not created still have an obvious local value. */
function physicalIdOfIgnored(resource: CfnResource, region: string, accountId: string): PhysicalIds[string] | undefined {
  const p = resource.Properties ?? {};
  if (resource.Type === 'AWS::Logs::LogGroup' && typeof p.LogGroupName === 'string') {
    return { type: resource.Type, ref: p.LogGroupName, attributes: { Arn: `arn:${LOCAL_PARTITION}:logs:${region}:${accountId}:log-group:${p.LogGroupName}:*` } };
  }
  if (resource.Type === 'AWS::CloudWatch::Alarm' && typeof p.AlarmName === 'string') {
    return { type: resource.Type, ref: p.AlarmName, attributes: { Arn: `arn:${LOCAL_PARTITION}:cloudwatch:${region}:${accountId}:alarm:${p.AlarmName}` } };
  }
  return undefined;
}

/** Creation order: every resource after the resources its properties reference. */
export function creationOrder(resources: Record<string, CfnResource>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (logicalId: string, path: string[]) => {
    if (state.get(logicalId) === 'done') return;
    if (state.get(logicalId) === 'visiting') throw new Error(`circular references between resources: ${[...path, logicalId].join(' -> ')}`);
    state.set(logicalId, 'visiting');
    for (const dependency of referencedLogicalIds(resources[logicalId].Properties ?? {})) {
      if (dependency in resources && dependency !== logicalId) visit(dependency, [...path, logicalId]);
    }
    state.set(logicalId, 'done');
    order.push(logicalId);
  };
  for (const logicalId of Object.keys(resources)) visit(logicalId, []);
  return order;
}

export async function provisionResources(
  resources: Record<string, CfnResource>,
  clients: ProvisioningClients,
  options: ProvisionOptions = {},
): Promise<ProvisionResult> {
  const region = options.region ?? LOCAL_REGION;
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const physicalIds: PhysicalIds = { ...options.knownPhysicalIds };
  const unprovisioned: Record<string, string> = {};
  const notes: string[] = [];
  const created: string[] = [];
  // Filled as resources are created: each one only references resources created before it.
  const resolve = createIntrinsicResolver({ physicalIds, aliases: options.aliases, unprovisioned, region, accountId, stackName: options.stackName });

  for (const logicalId of creationOrder(resources)) {
    const resource = resources[logicalId];
    const provisioner = PROVISIONERS[resource.Type];
    if (!provisioner) {
      const reason = IGNORED_TYPES[resource.Type] ?? (resource.Type.startsWith('AWS::IAM::') ? 'IAM is not enforced locally' : 'not emulated by the local cloud');
      notes.push(`${logicalId} (${resource.Type}) skipped: ${reason}`);
      const ignoredPhysicalId = physicalIdOfIgnored(resource, region, accountId);
      if (ignoredPhysicalId) physicalIds[logicalId] = ignoredPhysicalId;
      else unprovisioned[logicalId] = resource.Type;
      continue;
    }
    try {
      physicalIds[logicalId] = await provisioner({
        logicalId,
        properties: resource.Properties ?? {},
        clients,
        resolve,
        options: { stackName: options.stackName ?? 'local', region, accountId },
        note: (line) => notes.push(line),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`could not create ${logicalId} (${resource.Type}) locally: ${message}`, { cause: error });
    }
    created.push(logicalId);
  }
  return { physicalIds, unprovisioned, created, notes };
}
