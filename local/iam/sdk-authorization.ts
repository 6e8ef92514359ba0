/**
 * What IAM authorizes for one AWS SDK call: each operation's action(s) and the concrete ARN(s) of
 * the resources it touches, read from the request as the service would (table names, queue URLs,
 * topic and state machine ARNs). One call can need several authorizations (a transaction: one per
 * item; a batch: one per table). Operations without an entry are refused loudly: an unmapped call
 * must never pass unchecked.
 */
import type { AuthorizationRequest } from './policy-evaluation';

export interface CallLocation {
  region: string;
  accountId: string;
  partition?: string;
  /** The local physical ARNs (table name -> ARN, queue URL -> ARN), the ones the policies' Fn::GetAtt resolve to. */
  physicalArns?: { tables?: Map<string, string>; queues?: Map<string, string> };
}

export { serviceAndOperation } from '../sdk-interception';

export class UnmappedOperationError extends Error {
  constructor(service: string, operation: string) {
    super(`the local cloud has no IAM mapping for ${service}:${operation}; add it to local/iam/sdk-authorization.ts (or run with LOCAL_IAM=off)`);
    this.name = 'LocalIamUnmappedOperation';
  }
}

type Mapper = (input: any, at: Arns) => AuthorizationRequest[];

class Arns {
  readonly partition: string;
  constructor(readonly location: CallLocation) {
    this.partition = location.partition ?? 'aws';
  }
  private base(service: string) {
    return `arn:${this.partition}:${service}:${this.location.region}:${this.location.accountId}`;
  }
  /** TableName may be a name or (newer APIs) the table's ARN. */
  table(name: string): string {
    if (name.startsWith('arn:')) return name;
    return this.location.physicalArns?.tables?.get(name) ?? `${this.base('dynamodb')}:table/${name}`;
  }
  index(table: string, index: string): string {
    return `${this.table(table)}/index/${index}`;
  }
  /** `https://sqs.<region>.amazonaws.com/<account>/<name>` (or a local stand-in's URL of the same path) -> the queue ARN. */
  queueFromUrl(url: string): string {
    const known = this.location.physicalArns?.queues?.get(url);
    if (known) return known;
    const [account, name] = new URL(url).pathname.split('/').filter(Boolean).slice(-2);
    if (!account || !name) throw new Error(`not a queue URL: ${url}`);
    return `arn:${this.partition}:sqs:${this.location.region}:${account}:${name}`;
  }
  queueByName(name: string, ownerAccount?: string): string {
    return `arn:${this.partition}:sqs:${this.location.region}:${ownerAccount ?? this.location.accountId}:${name}`;
  }
  /** Parameter names keep their path; a name without a leading slash gets one in the ARN. */
  parameter(name: string): string {
    return name.startsWith('arn:') ? name : `${this.base('ssm')}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }
  function(nameOrArn: string): string {
    return nameOrArn.startsWith('arn:') ? nameOrArn : `${this.base('lambda')}:function:${nameOrArn}`;
  }
}

const one = (action: string, resource: string): AuthorizationRequest[] => [{ action, resource }];
const perTable = (action: string) => (input: any, at: Arns) => Object.keys(input.RequestItems ?? {}).map((table) => ({ action, resource: at.table(table) }));
const tableOrIndex = (action: string) => (input: any, at: Arns) =>
  one(action, input.IndexName ? at.index(input.TableName, input.IndexName) : at.table(input.TableName));

/** TransactWriteItems is authorized item by item, each as the single-item action on its table. */
const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
};

const MAPPERS: Record<string, Record<string, Mapper>> = {
  dynamodb: {
    GetItem: (input, at) => one('dynamodb:GetItem', at.table(input.TableName)),
    PutItem: (input, at) => one('dynamodb:PutItem', at.table(input.TableName)),
    UpdateItem: (input, at) => one('dynamodb:UpdateItem', at.table(input.TableName)),
    DeleteItem: (input, at) => one('dynamodb:DeleteItem', at.table(input.TableName)),
    Query: tableOrIndex('dynamodb:Query'),
    Scan: tableOrIndex('dynamodb:Scan'),
    BatchGetItem: perTable('dynamodb:BatchGetItem'),
    BatchWriteItem: perTable('dynamodb:BatchWriteItem'),
    TransactWriteItems: (input, at) =>
      (input.TransactItems ?? []).map((item: Record<string, any>) => {
        const [kind] = Object.keys(item).filter((key) => item[key] !== undefined);
        const action = TRANSACT_WRITE_ACTIONS[kind];
        if (!action) throw new Error(`TransactWriteItems: unknown item kind ${kind}`);
        return { action, resource: at.table(item[kind].TableName) };
      }),
    TransactGetItems: (input, at) => (input.TransactItems ?? []).map((item: any) => ({ action: 'dynamodb:GetItem', resource: at.table(item.Get.TableName) })),
    DescribeTable: (input, at) => one('dynamodb:DescribeTable', at.table(input.TableName)),
  },
  sqs: {
    SendMessage: (input, at) => one('sqs:SendMessage', at.queueFromUrl(input.QueueUrl)),
    SendMessageBatch: (input, at) => one('sqs:SendMessage', at.queueFromUrl(input.QueueUrl)),
    ReceiveMessage: (input, at) => one('sqs:ReceiveMessage', at.queueFromUrl(input.QueueUrl)),
    DeleteMessage: (input, at) => one('sqs:DeleteMessage', at.queueFromUrl(input.QueueUrl)),
    DeleteMessageBatch: (input, at) => one('sqs:DeleteMessage', at.queueFromUrl(input.QueueUrl)),
    ChangeMessageVisibility: (input, at) => one('sqs:ChangeMessageVisibility', at.queueFromUrl(input.QueueUrl)),
    ChangeMessageVisibilityBatch: (input, at) => one('sqs:ChangeMessageVisibility', at.queueFromUrl(input.QueueUrl)),
    GetQueueAttributes: (input, at) => one('sqs:GetQueueAttributes', at.queueFromUrl(input.QueueUrl)),
    GetQueueUrl: (input, at) => one('sqs:GetQueueUrl', at.queueByName(input.QueueName, input.QueueOwnerAWSAccountId)),
    PurgeQueue: (input, at) => one('sqs:PurgeQueue', at.queueFromUrl(input.QueueUrl)),
  },
  sns: {
    Publish: (input) => one('sns:Publish', input.TopicArn ?? input.TargetArn ?? '*'),
    PublishBatch: (input) => one('sns:Publish', input.TopicArn),
  },
  states: {
    StartExecution: (input) => one('states:StartExecution', input.stateMachineArn),
    StartSyncExecution: (input) => one('states:StartSyncExecution', input.stateMachineArn),
    DescribeExecution: (input) => one('states:DescribeExecution', input.executionArn),
    StopExecution: (input) => one('states:StopExecution', input.executionArn),
    // Task-token callbacks have no resource-level permissions.
    SendTaskSuccess: () => one('states:SendTaskSuccess', '*'),
    SendTaskFailure: () => one('states:SendTaskFailure', '*'),
    SendTaskHeartbeat: () => one('states:SendTaskHeartbeat', '*'),
  },
  ssm: {
    GetParameter: (input, at) => one('ssm:GetParameter', at.parameter(input.Name)),
    GetParameters: (input, at) => (input.Names ?? []).map((name: string) => ({ action: 'ssm:GetParameters', resource: at.parameter(name) })),
    GetParametersByPath: (input, at) => one('ssm:GetParametersByPath', at.parameter(input.Path)),
  },
  lambda: {
    Invoke: (input, at) => one('lambda:InvokeFunction', at.function(input.FunctionName)),
  },
};

/** The authorizations one SDK call needs; throws UnmappedOperationError for an operation without an entry. */
export function authorizationsFor(service: string, operation: string, input: unknown, location: CallLocation): AuthorizationRequest[] {
  const mapper = MAPPERS[service]?.[operation];
  if (!mapper) throw new UnmappedOperationError(service, operation);
  return mapper(input ?? {}, new Arns(location));
}

/** For tests and documentation: every mapped `service:Operation`. */
export function mappedOperations(): string[] {
  return Object.entries(MAPPERS).flatMap(([service, operations]) => Object.keys(operations).map((operation) => `${service}:${operation}`));
}
