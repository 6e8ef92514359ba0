/**
 * The roles of the packaged template, keyed by who assumes them: each function (its
 * AWS::Lambda::Function `Role`) by its serverless.yml key, each state machine (its `RoleArn`) as
 * `states:<key>`. Policies are resolved with the local cloud's intrinsics resolver, so that
 * `Fn::GetAtt`/`Ref`/`Fn::Sub` become the local physical ARNs, then compiled.
 */
import type { Resolver } from '../cloudformation/intrinsics';
import { lambdaLogicalId, normalizeName } from '../cloudformation/service-physical-ids';
import type { CloudFormationTemplate } from '../serverless-config/load-packaged-template';
import type { ResolvedService } from '../serverless-config/load-service';
import { compileStatement, PolicyCompilationError, type CompiledStatement, type PolicyStatementDocument } from './policy-evaluation';

export interface Role {
  /** Who assumes it: a function key, or `states:<state machine key>`. */
  caller: string;
  logicalId: string;
  roleName: string;
  /** The session name in AWS's messages: the function name for Lambda. */
  sessionName: string;
  statements: CompiledStatement[];
}

/** Test-only: an action taken out of a role's Allow statements before enforcement starts. */
export interface Revocation {
  /** A function key, or `states:<state machine key>`. */
  caller: string;
  action: string;
}

export const stateMachineCaller = (machineKey: string) => `states:${machineKey}`;

function roleLogicalIdOf(value: unknown, at: string): string {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })?.['Fn::GetAtt'];
  const target = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  if (typeof target !== 'string') {
    throw new PolicyCompilationError(`${at} is ${JSON.stringify(value)}: only roles defined in the template (Fn::GetAtt <Role>.Arn) can be enforced locally`);
  }
  return target;
}

type Documented = { id: string; statement: PolicyStatementDocument };

/** Takes `action` out of every Allow statement naming it exactly (case-insensitive); an emptied statement goes. */
function revoke(documents: Documented[], action: string): { documents: Documented[]; removed: number } {
  let removed = 0;
  const kept = documents.flatMap((documented) => {
    const { statement } = documented;
    if (statement.Effect !== 'Allow' || statement.Action === undefined) return [documented];
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    const remaining = actions.filter((candidate) => candidate.toLowerCase() !== action.toLowerCase());
    removed += actions.length - remaining.length;
    if (remaining.length === actions.length) return [documented];
    return remaining.length > 0 ? [{ ...documented, statement: { ...statement, Action: remaining } }] : [];
  });
  return { documents: kept, removed };
}

export interface LoadRolesOptions {
  template: CloudFormationTemplate;
  service: ResolvedService;
  resolve: Resolver;
  stackName: string;
  revocations?: Revocation[];
}

export function loadRoles({ template, service, resolve, stackName, revocations = [] }: LoadRolesOptions): Map<string, Role> {
  const resources = template.Resources ?? {};
  const assumers: Array<{ caller: string; roleLogicalId: string; sessionName: string }> = [];
  for (const key of Object.keys(service.functions)) {
    const fn = resources[lambdaLogicalId(key)];
    if (!fn) throw new PolicyCompilationError(`the packaged template has no ${lambdaLogicalId(key)} for function ${key}`);
    assumers.push({ caller: key, roleLogicalId: roleLogicalIdOf(fn.Properties?.Role, `${lambdaLogicalId(key)}.Role`), sessionName: String(fn.Properties?.FunctionName ?? key) });
  }
  for (const [key, machine] of Object.entries(service.stepFunctions?.stateMachines ?? {})) {
    const custom = (machine.id as string | undefined) ?? machine.name;
    const logicalId = custom ? normalizeName(custom) : `${normalizeName(key)}StepFunctionsStateMachine`;
    const resource = resources[logicalId];
    if (!resource) throw new PolicyCompilationError(`the packaged template has no state machine ${logicalId}`);
    // Step Functions names its sessions with a random token; a fixed one keeps messages comparable.
    assumers.push({ caller: stateMachineCaller(key), roleLogicalId: roleLogicalIdOf(resource.Properties?.RoleArn, `${logicalId}.RoleArn`), sessionName: 'states-session' });
  }

  const roles = new Map<string, Role>();
  for (const { caller, roleLogicalId, sessionName } of assumers) {
    const role = resources[roleLogicalId];
    if (role?.Type !== 'AWS::IAM::Role') throw new PolicyCompilationError(`${caller}: ${roleLogicalId} is not an AWS::IAM::Role of the template`);
    const properties = role.Properties ?? {};
    if (Array.isArray(properties.ManagedPolicyArns) && properties.ManagedPolicyArns.length > 0) {
      throw new PolicyCompilationError(`${caller}: role ${roleLogicalId} attaches managed policies, whose statements are not in the template`);
    }
    if (properties.PermissionsBoundary) throw new PolicyCompilationError(`${caller}: role ${roleLogicalId} has a permissions boundary, which the local cloud does not evaluate`);
    const documents: Documented[] = [];
    for (const [policyIndex, policy] of (properties.Policies ?? []).entries()) {
      const at = `${roleLogicalId}.Policies[${policyIndex}]`;
      const policyName = resolve<string>(policy.PolicyName, `${at}.PolicyName`);
      const statements = resolve<PolicyStatementDocument | PolicyStatementDocument[]>(policy.PolicyDocument?.Statement ?? [], `${at}.PolicyDocument`);
      (Array.isArray(statements) ? statements : [statements]).forEach((statement, index) =>
        documents.push({ id: statement.Sid ?? `${policyName}#${index}`, statement }),
      );
    }
    let revoked = documents;
    for (const revocation of revocations.filter((r) => r.caller === caller)) {
      const result = revoke(revoked, revocation.action);
      if (result.removed === 0) throw new PolicyCompilationError(`revocation of ${revocation.action} from ${caller}: no Allow statement of its role names it`);
      revoked = result.documents;
    }
    roles.set(caller, {
      caller,
      logicalId: roleLogicalId,
      roleName: properties.RoleName ? resolve<string>(properties.RoleName, `${roleLogicalId}.RoleName`) : `${stackName}-${roleLogicalId}`,
      sessionName,
      statements: revoked.map(({ id, statement }) => compileStatement(statement, id)),
    });
  }
  for (const revocation of revocations) {
    if (!roles.has(revocation.caller)) throw new PolicyCompilationError(`revocation for unknown caller ${revocation.caller}; known: ${[...roles.keys()].join(', ')}`);
  }
  return roles;
}
