/**
 * The service-to-service paths, checked once at start-up against the packaged template, since
 * no SDK call of ours carries them:
 *  - an SQS event source polls with its function's role: AWS refuses to create the mapping unless
 *    the role allows sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the queue;
 *  - SNS, API Gateway and EventBridge schedules invoke functions under the function's resource
 *    policy (AWS::Lambda::Permission for sns.amazonaws.com / apigateway.amazonaws.com /
 *    events.amazonaws.com);
 *  - EventBridge rules and CloudWatch alarms publish to a topic under its topic policy
 *    (AWS::SNS::TopicPolicy for events.amazonaws.com / cloudwatch.amazonaws.com). Neither runs
 *    locally, but a missing grant would silently drop the ops alerts they carry.
 * Each finding is one line naming the path, the principal, the action and the resource.
 */
import type { Resolver } from '../cloudformation/intrinsics';
import { lambdaLogicalId } from '../cloudformation/service-physical-ids';
import type { CloudFormationTemplate } from '../serverless-config/load-packaged-template';
import type { ResolvedService } from '../serverless-config/load-service';
import { compileStatement, evaluate, type AuthorizationRequest, type PolicyStatementDocument } from './policy-evaluation';
import type { Role } from './roles';

/** The actions Lambda's SQS poller needs (AWS Lambda developer guide, "Execution role permissions" for SQS). */
export const SQS_EVENT_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

export interface ServicePathCheck {
  /** Authorizations the event sources exercise with a function's role (the findings count them as used). */
  used: Array<{ caller: string; request: AuthorizationRequest }>;
  problems: string[];
}

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function tryResolve(resolve: Resolver, value: unknown, at: string): string | undefined {
  try {
    return String(resolve(value, at));
  } catch {
    return undefined; // e.g. the HTTP API's id: not created locally, so not comparable
  }
}

function principalMatches(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  const services = asList((principal as { Service?: string | string[] })?.Service);
  return services.includes(service);
}

export function checkServicePaths(options: {
  template: CloudFormationTemplate;
  service: ResolvedService;
  resolve: Resolver;
  roles: Map<string, Role>;
}): ServicePathCheck {
  const { template, service, resolve, roles } = options;
  const resources = Object.entries(template.Resources ?? {});
  const used: ServicePathCheck['used'] = [];
  const problems: string[] = [];
  const functionKeyByLogicalId = new Map(Object.keys(service.functions).map((key) => [lambdaLogicalId(key), key]));
  const functionKeyOf = (value: unknown): string | undefined => {
    const getAtt = (value as { 'Fn::GetAtt'?: unknown[] })?.['Fn::GetAtt'];
    const ref = (value as { Ref?: string })?.Ref;
    return functionKeyByLogicalId.get(String(Array.isArray(getAtt) ? getAtt[0] : ref));
  };

  // SQS event sources: the function's role, as CreateEventSourceMapping validates it.
  for (const [logicalId, resource] of resources.filter(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping')) {
    const caller = functionKeyOf(resource.Properties?.FunctionName);
    const source = tryResolve(resolve, resource.Properties?.EventSourceArn, `${logicalId}.EventSourceArn`);
    if (!caller || !source?.startsWith('arn:aws:sqs:')) continue;
    const role = roles.get(caller)!;
    for (const action of SQS_EVENT_SOURCE_ACTIONS) {
      const request = { action, resource: source };
      if (evaluate(role.statements, request).decision === 'allow') used.push({ caller, request });
      else problems.push(`${logicalId}: the execution role of ${caller} (${role.roleName}) does not allow ${action} on ${source}; AWS refuses to create this SQS event source`);
    }
  }

  // Lambda resource policies: who may invoke which function.
  const permissions = resources
    .filter(([, r]) => r.Type === 'AWS::Lambda::Permission')
    .map(([logicalId, r]) => ({
      logicalId,
      functionKey: functionKeyOf(r.Properties?.FunctionName),
      action: String(r.Properties?.Action ?? ''),
      principal: String(r.Properties?.Principal ?? ''),
      sourceArn: r.Properties?.SourceArn === undefined ? undefined : tryResolve(resolve, r.Properties.SourceArn, `${logicalId}.SourceArn`),
    }));
  const mayInvoke = (functionKey: string, principal: string, sourceArn?: string) =>
    permissions.some(
      (p) =>
        p.functionKey === functionKey &&
        p.principal === principal &&
        ['lambda:invokefunction', 'lambda:*'].includes(p.action.toLowerCase()) &&
        (sourceArn === undefined || p.sourceArn === undefined || p.sourceArn === sourceArn || p.sourceArn.endsWith('/*')),
    );
  for (const [logicalId, resource] of resources.filter(([, r]) => r.Type === 'AWS::SNS::Subscription' && r.Properties?.Protocol === 'lambda')) {
    const functionKey = functionKeyOf(resource.Properties?.Endpoint);
    const topicArn = tryResolve(resolve, resource.Properties?.TopicArn, `${logicalId}.TopicArn`);
    if (functionKey && !mayInvoke(functionKey, 'sns.amazonaws.com', topicArn)) {
      problems.push(`${logicalId}: no AWS::Lambda::Permission lets sns.amazonaws.com perform lambda:InvokeFunction on ${functionKey} for ${topicArn}; SNS could not deliver`);
    }
  }
  for (const [functionKey, fn] of Object.entries(service.functions)) {
    if ((fn.events ?? []).some((event) => event.httpApi !== undefined) && !mayInvoke(functionKey, 'apigateway.amazonaws.com')) {
      problems.push(`${functionKey}: no AWS::Lambda::Permission lets apigateway.amazonaws.com perform lambda:InvokeFunction on it; its routes would answer 500`);
    }
    if ((fn.events ?? []).some((event) => event.schedule !== undefined) && !mayInvoke(functionKey, 'events.amazonaws.com')) {
      problems.push(`${functionKey}: no AWS::Lambda::Permission lets events.amazonaws.com perform lambda:InvokeFunction on it; its schedule would never run it`);
    }
  }

  // Topic policies: EventBridge rules and CloudWatch alarms that publish to a topic of the template.
  const topicPolicies = resources
    .filter(([, r]) => r.Type === 'AWS::SNS::TopicPolicy')
    .flatMap(([logicalId, r]) =>
      asList(r.Properties?.Topics).map((topic, index) => ({
        topicArn: tryResolve(resolve, topic, `${logicalId}.Topics[${index}]`),
        statements: asList<PolicyStatementDocument>(r.Properties?.PolicyDocument?.Statement).map((statement, i) => ({ logicalId, index: i, statement })),
      })),
    );
  const topicArns = new Set(resources.filter(([, r]) => r.Type === 'AWS::SNS::Topic').map(([logicalId]) => tryResolve(resolve, { Ref: logicalId }, logicalId)));
  const mayPublish = (topicArn: string, principal: string) =>
    topicPolicies.some(
      (policy) =>
        policy.topicArn === topicArn &&
        evaluate(
          policy.statements
            .filter(({ statement }) => principalMatches(statement.Principal, principal))
            .map(({ logicalId, index, statement }) => {
              const { Principal: _principal, ...identityShaped } = resolve<PolicyStatementDocument>(statement, `${logicalId}.Statement[${index}]`);
              return compileStatement(identityShaped, `${logicalId}#${index}`);
            }),
          { action: 'sns:Publish', resource: topicArn },
        ).decision === 'allow',
    );
  const publishers: Array<{ from: string; principal: string; targets: unknown[] }> = [];
  for (const [logicalId, resource] of resources) {
    if (resource.Type === 'AWS::Events::Rule') publishers.push({ from: logicalId, principal: 'events.amazonaws.com', targets: asList(resource.Properties?.Targets).map((t: any) => t?.Arn) });
    if (resource.Type === 'AWS::CloudWatch::Alarm') {
      const p = resource.Properties ?? {};
      publishers.push({ from: logicalId, principal: 'cloudwatch.amazonaws.com', targets: [...asList(p.AlarmActions), ...asList(p.OKActions), ...asList(p.InsufficientDataActions)] });
    }
  }
  for (const { from, principal, targets } of publishers) {
    targets.forEach((target, index) => {
      const arn = tryResolve(resolve, target, `${from}.target[${index}]`);
      if (arn && topicArns.has(arn) && !mayPublish(arn, principal)) {
        problems.push(`${from}: no topic policy lets ${principal} perform sns:Publish on ${arn}; its notifications would be dropped`);
      }
    });
  }
  return { used, problems };
}
