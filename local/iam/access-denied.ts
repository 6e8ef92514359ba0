/**
 * A denial as the service sends it over the wire, handed to the SDK's own deserializer so that
 * the handler gets exactly the error class, name, message, $metadata and $fault it would on AWS:
 *  - DynamoDB, Step Functions (JSON 1.0): 400 `com.amazon.coral.service#AccessDeniedException`
 *    -> DynamoDBServiceException / SFNServiceException named AccessDeniedException;
 *  - SQS (JSON 1.0, query-compatible): 403 with `x-amzn-query-error: AccessDenied;Sender`, the
 *    query protocol's code, which the SDK keeps -> SQSServiceException named AccessDenied, Code AccessDenied;
 *  - SNS (query, XML): 403 `AuthorizationError` -> AuthorizationErrorException;
 *  - SSM (JSON 1.1): 400 AccessDeniedException -> the modeled AccessDeniedException.
 */
import type { WireResponse } from '../sdk-interception';
import type { Decision } from './policy-evaluation';

export type { WireResponse } from '../sdk-interception';

/** AWS's wording, e.g. "User: arn:aws:sts::000000000000:assumed-role/<role>/<session> is not authorized to perform: dynamodb:UpdateItem on resource: <arn> because no identity-based policy allows the dynamodb:UpdateItem action". */
export function accessDeniedMessage(options: { accountId: string; roleName: string; sessionName: string; action: string; resource: string; decision: Decision }): string {
  const { accountId, roleName, sessionName, action, resource, decision } = options;
  const why = decision === 'explicitDeny' ? 'with an explicit deny in an identity-based policy' : `because no identity-based policy allows the ${action} action`;
  return `User: arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}

const json = (statusCode: number, contentType: string, body: object, extraHeaders: Record<string, string> = {}): WireResponse => ({
  statusCode,
  headers: { 'content-type': contentType, ...extraHeaders },
  body: Buffer.from(JSON.stringify(body)),
});

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function accessDeniedResponse(service: string, message: string, requestId: string): WireResponse {
  const requestHeaders = { 'x-amzn-requestid': requestId };
  switch (service) {
    case 'dynamodb':
    case 'states':
      return json(400, 'application/x-amz-json-1.0', { __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }, requestHeaders);
    case 'sqs':
      return json(403, 'application/x-amz-json-1.0', { __type: 'com.amazon.coral.service#AccessDeniedException', message }, { ...requestHeaders, 'x-amzn-query-error': 'AccessDenied;Sender' });
    case 'sns':
      return {
        statusCode: 403,
        headers: { 'content-type': 'text/xml', ...requestHeaders },
        body: Buffer.from(
          `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
        ),
      };
    default:
      return json(400, 'application/x-amz-json-1.1', { __type: 'AccessDeniedException', message }, requestHeaders);
  }
}
