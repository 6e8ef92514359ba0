import { TaskError } from './errors';

/** How Step Functions names one AWS service in the errors of its optimized integration. */
export interface ServiceErrorNaming {
  /** Prefix of ASL error names, e.g. `DynamoDB` for `DynamoDB.ConditionalCheckFailedException`. */
  prefix: string;
  /** Service name inside the Cause text, e.g. `AmazonDynamoDBv2`. */
  serviceLabel: string;
  /** Name used for errors the AWS SDK does not model with a class of their own, e.g. `AmazonDynamoDBException`. */
  unmodeledName: string;
  /** Whether the SDK has a dedicated exception class for this error name. */
  isModeled(name: string): boolean;
}

interface SdkServiceError extends Error {
  $metadata?: { httpStatusCode?: number; requestId?: string };
  Code?: string;
}

/**
 * Converts an AWS SDK v3 error into the error a Step Functions catcher sees:
 * `<Service>.<Exception>` with the Java-SDK style cause
 * `<message> (Service: ...; Status Code: ...; Error Code: ...; Request ID: ...; Proxy: null)`.
 * Errors raised before any response (network, credentials) become `<Service>.SdkClientException`.
 */
export function serviceTaskError(thrown: unknown, naming: ServiceErrorNaming): TaskError {
  const error = thrown as SdkServiceError;
  const status = error?.$metadata?.httpStatusCode;
  if (!(error instanceof Error) || status === undefined) {
    return new TaskError(`${naming.prefix}.SdkClientException`, error instanceof Error ? error.message : String(thrown));
  }
  const code = error.Code ?? error.name;
  const exceptionName = naming.isModeled(code) ? (code.endsWith('Exception') ? code : `${code}Exception`) : naming.unmodeledName;
  const cause = `${error.message} (Service: ${naming.serviceLabel}; Status Code: ${status}; Error Code: ${code}; Request ID: ${error.$metadata?.requestId ?? 'null'}; Proxy: null)`;
  return new TaskError(`${naming.prefix}.${exceptionName}`, cause);
}

/** True when `exports[name]` is an exception class of the SDK client package whose base class is `base`. */
export function modeledIn(sdkExports: Record<string, unknown>, base: abstract new (...args: never[]) => Error): (name: string) => boolean {
  return (name) => {
    const candidate = sdkExports[name];
    return typeof candidate === 'function' && candidate.prototype instanceof base;
  };
}
