/**
 * Physical ids of what the Serverless Framework and its plugins add to the stack beyond
 * `resources:`: the Lambda functions and the state machines, named as they name them, so that
 * `Fn::GetAtt: [ReserveInventoryLambdaFunction, Arn]` and the plugin's shorthand
 * `Fn::GetAtt: [reserveInventory, Arn]` resolve to the same local ARN.
 */
import type { ResolvedService } from '../serverless-config/load-service';
import { LOCAL_ACCOUNT_ID, LOCAL_PARTITION, LOCAL_REGION, type PhysicalIds } from './intrinsics';

/** The Serverless Framework's getNormalizedFunctionName. */
export function normalizeName(name: string): string {
  const replaced = name.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return replaced.charAt(0).toUpperCase() + replaced.slice(1);
}

/** `reserveInventory` -> `ReserveInventoryLambdaFunction`, as the framework names it. */
export function lambdaLogicalId(functionKey: string): string {
  return `${normalizeName(functionKey)}LambdaFunction`;
}

export function functionName(service: ResolvedService, functionKey: string): string {
  return service.functions[functionKey]?.name ?? `${service.service}-${service.provider.stage}-${functionKey}`;
}

export function lambdaArn(name: string, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): string {
  return `arn:${LOCAL_PARTITION}:lambda:${region}:${accountId}:function:${name}`;
}

export interface ServicePhysicalIds {
  physicalIds: PhysicalIds;
  /** serverless.yml function key -> logical id (the step-functions plugin's shorthand). */
  aliases: Record<string, string>;
}

export function servicePhysicalIds(service: ResolvedService, region = LOCAL_REGION, accountId = LOCAL_ACCOUNT_ID): ServicePhysicalIds {
  const physicalIds: PhysicalIds = {};
  const aliases: Record<string, string> = {};
  for (const key of Object.keys(service.functions ?? {})) {
    const name = functionName(service, key);
    const logicalId = lambdaLogicalId(key);
    physicalIds[logicalId] = { type: 'AWS::Lambda::Function', ref: name, attributes: { Arn: lambdaArn(name, region, accountId) } };
    aliases[key] = logicalId;
  }
  for (const [key, machine] of Object.entries(service.stepFunctions?.stateMachines ?? {})) {
    // serverless-step-functions: a custom id or name becomes the logical id, else <Key>StepFunctionsStateMachine.
    const custom = (machine.id as string | undefined) ?? machine.name;
    const logicalId = custom ? normalizeName(custom) : `${normalizeName(key)}StepFunctionsStateMachine`;
    const name = machine.name ?? key;
    const arn = `arn:${LOCAL_PARTITION}:states:${region}:${accountId}:stateMachine:${name}`;
    physicalIds[logicalId] = { type: 'AWS::StepFunctions::StateMachine', ref: arn, attributes: { Arn: arn, Name: name } };
  }
  return { physicalIds, aliases };
}
