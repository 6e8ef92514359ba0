/**
 * An error of the Lambda service itself (function not found, throttled, the invoke denied), as
 * opposed to an error of the function's code. The distinction decides the name Step Functions
 * reports: `Lambda.<Name>` for the service's errors, the function's own `errorType` for everything the
 * function threw, including an AWS SDK error it let through (e.g. `AccessDeniedException`).
 */
export class LambdaServiceError extends Error {
  readonly $metadata: { httpStatusCode?: number; requestId?: string };

  /** No `httpStatusCode`: the call failed before any answer (Step Functions names it `Lambda.SdkClientException`). */
  constructor(name: string, message: string, httpStatusCode: number | undefined, requestId?: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode, requestId };
  }
}
