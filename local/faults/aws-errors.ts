/**
 * The service errors the faults and the production limits answer, as each service sends them over
 * the wire, so that the SDK's own deserializer builds the caller's error (class, name, `$fault`,
 * `$metadata`, `$retryable`) and its retry strategy treats it as it would on AWS:
 *  - DynamoDB and Step Functions: JSON 1.0, `__type` and message;
 *  - SQS: JSON 1.0 (the SQS client in package.json speaks it) with the query-compatible
 *    `x-amzn-query-error: <Code>;<Sender|Receiver>` header the SDK takes the error code from;
 *  - SNS: query protocol, an XML ErrorResponse.
 * Messages are AWS's wording where it is documented or commonly seen.
 */
import type { WireResponse } from '../sdk-interception';

export interface AwsErrorContext {
  requestId: string;
  operation: string;
  input: any;
  /** ARN of the table the call is about (DynamoDB throttling reasons name it). */
  tableArn?: (tableName: string) => string;
  /** Table names whose items conflict in a TransactionCanceledException; every item when undefined. */
  conflictingTables?: (tableName: string) => boolean;
}

/** name -> HTTP status, per service: also the list of errors a fault may name. */
export const AWS_ERRORS: Record<'dynamodb' | 'sqs' | 'sns' | 'states', Record<string, number>> = {
  dynamodb: {
    ProvisionedThroughputExceededException: 400,
    ThrottlingException: 400,
    RequestLimitExceeded: 400,
    InternalServerError: 500,
    TransactionCanceledException: 400,
  },
  sqs: { RequestThrottled: 400, InternalFailure: 500, ServiceUnavailable: 503 },
  sns: { Throttled: 429, InternalError: 500 },
  states: { ThrottlingException: 400, InternalFailure: 500, ServiceUnavailable: 503, TaskTimedOut: 400 },
};

/** A dropped connection, as Node's HTTP client reports it to the SDK (retried as a transient error). */
export class ConnectionReset extends Error {
  readonly code = 'ECONNRESET';
  constructor(detail: string) {
    super(`socket hang up (${detail})`);
  }
}

const DYNAMODB_NS = 'com.amazonaws.dynamodb.v20120810#';

export function awsErrorResponse(service: keyof typeof AWS_ERRORS, error: string, context: AwsErrorContext): WireResponse {
  const status = AWS_ERRORS[service][error];
  if (status === undefined) throw new Error(`no ${service} error named ${error}`);
  const headers = { 'x-amzn-requestid': context.requestId };
  switch (service) {
    case 'dynamodb':
      return json(status, { ...headers, 'x-amzn-errortype': error }, dynamoDbErrorBody(error, context));
    case 'states':
      return json(status, { ...headers, 'x-amzn-errortype': error }, { __type: `com.amazonaws.swf.base.model#${error}`, message: STATES_MESSAGES[error] });
    case 'sqs':
      return json(status, { ...headers, 'x-amzn-query-error': `${error};${status >= 500 ? 'Receiver' : 'Sender'}` }, { __type: `com.amazonaws.sqs#${error}`, message: SQS_MESSAGES[error] });
    case 'sns':
      return {
        statusCode: status,
        headers: { 'content-type': 'text/xml', ...headers },
        body: Buffer.from(
          `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${error}</Code><Message>${SNS_MESSAGES[error]}</Message></Error><RequestId>${context.requestId}</RequestId></ErrorResponse>`,
        ),
      };
  }
}

const json = (statusCode: number, headers: Record<string, string>, body: object): WireResponse => ({
  statusCode,
  headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
  body: Buffer.from(JSON.stringify(body)),
});

const STATES_MESSAGES: Record<string, string> = {
  ThrottlingException: 'Rate exceeded',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
  TaskTimedOut: "Task Timed Out: 'Provided task does not exist anymore'",
};

const SQS_MESSAGES: Record<string, string> = {
  RequestThrottled: 'Request is throttled.',
  InternalFailure: 'The request processing has failed because of an unknown error, exception or failure.',
  ServiceUnavailable: 'The request has failed due to a temporary failure of the server.',
};

const SNS_MESSAGES: Record<string, string> = {
  Throttled: 'Rate exceeded',
  InternalError: 'Internal Error',
};

/** The tables a DynamoDB call touches, in item order for transactions. */
export function dynamoDbTables(input: any): string[] {
  if (typeof input?.TableName === 'string') return [input.TableName];
  if (Array.isArray(input?.TransactItems)) {
    return input.TransactItems.map((item: Record<string, any>) => Object.values(item).find((entry) => entry && typeof entry === 'object' && 'TableName' in entry)?.TableName ?? '');
  }
  if (input?.RequestItems && typeof input.RequestItems === 'object') return Object.keys(input.RequestItems);
  return [];
}

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

function dynamoDbErrorBody(error: string, context: AwsErrorContext): object {
  const tables = dynamoDbTables(context.input);
  const kind = WRITE_OPERATIONS.has(context.operation) ? 'Write' : 'Read';
  const reasons = (limit: string) => tables.slice(0, 1).map((table) => ({ reason: `Table${kind}${limit}`, resource: context.tableArn?.(table) ?? table }));
  switch (error) {
    case 'ProvisionedThroughputExceededException':
      // What an on-demand table (all of this stack's) answers for a hot partition key.
      return {
        __type: `${DYNAMODB_NS}${error}`,
        message:
          'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html',
        ThrottlingReasons: reasons('KeyRangeThroughputExceeded'),
      };
    case 'ThrottlingException':
      return { __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.', ThrottlingReasons: reasons('MaxOnDemandThroughputExceeded') };
    case 'RequestLimitExceeded':
      return {
        __type: `${DYNAMODB_NS}${error}`,
        message: 'Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase',
        ThrottlingReasons: reasons('AccountLimitExceeded'),
      };
    case 'InternalServerError':
      return { __type: `${DYNAMODB_NS}${error}`, message: 'Internal server error' };
    case 'TransactionCanceledException': {
      const conflicting = context.conflictingTables ?? (() => true);
      const codes = tables.map((table) => (conflicting(table) ? 'TransactionConflict' : 'None'));
      return {
        __type: `${DYNAMODB_NS}${error}`,
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
        CancellationReasons: codes.map((code) => (code === 'None' ? { Code: 'None' } : { Code: code, Message: 'Transaction is ongoing for the item' })),
      };
    }
    default:
      throw new Error(`no DynamoDB error named ${error}`);
  }
}
