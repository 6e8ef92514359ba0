/**
 * IAM for the local cloud: every AWS call a function or the state machine makes is allowed or
 * denied by THAT caller's role, as `serverless package` renders it, so that a missing permission
 * fails locally instead of on the first deployed order.
 *
 *   roles        the packaged template's roles (roles.ts), intrinsics resolved to local ARNs
 *   evaluation   identity policies as AWS evaluates them (policy-evaluation.ts): explicit Deny,
 *                then Allow, else implicit deny; statements with a Condition refuse the start
 *   mapping      SDK operation -> IAM action(s) on concrete ARN(s) (sdk-authorization.ts)
 *   enforcement  in process, in the SDK, through local/sdk-interception (shared with the service
 *                faults). The caller is the function whose invocation the call belongs to (the
 *                Lambda runtime's async context, `callerOfInvocation`), or the state machine for
 *                its direct integrations (`asCaller`). Calls outside both (the local cloud's own
 *                plumbing, tests) are not checked. A denial is a response with the service's
 *                status and error body (access-denied.ts), parsed by the SDK's own deserializer
 *                inside its retry loop, so the handler sees what AWS would send.
 *   paths        event sources, Lambda permissions and topic policies, checked at start
 *                (service-paths.ts)
 *   findings     least-privilege findings from the calls made (findings.ts)
 *
 * Modes (LOCAL_IAM): `enforce` (default) denies; `warn` logs what would be denied and allows;
 * `off` installs nothing. Decisions are cached per (caller, action, resource).
 */
import { randomUUID } from 'node:crypto';
import { asCaller, explicitCaller, interceptSdkClients, runAsCaller } from '../sdk-interception';
import type { Resolver } from '../cloudformation/intrinsics';
import type { CloudFormationTemplate } from '../serverless-config/load-packaged-template';
import type { ResolvedService } from '../serverless-config/load-service';
import { accessDeniedMessage, accessDeniedResponse } from './access-denied';
import { findingsFrom, formatFindings, UsageRecorder, type IamFindings, type IamUsageReport } from './findings';
import { evaluate, PolicyCompilationError, type AuthorizationRequest, type Decision, type Evaluation } from './policy-evaluation';
import { loadRoles, type Revocation, type Role } from './roles';
import { authorizationsFor, UnmappedOperationError, type CallLocation } from './sdk-authorization';
import { checkServicePaths } from './service-paths';

export { findingsFrom, formatFindings, mergeUsageReports, type IamFindings, type IamUsageReport } from './findings';
export { stateMachineCaller, type Revocation } from './roles';

export type IamMode = 'enforce' | 'warn' | 'off';

export function parseIamMode(value: string | undefined): IamMode {
  if (value === undefined || value === '') return 'enforce';
  if (value === 'enforce' || value === 'warn' || value === 'off') return value;
  throw new Error(`LOCAL_IAM must be enforce, warn or off, got "${value}"`);
}

export interface IamDenial {
  at: string;
  caller: string;
  roleName: string;
  action: string;
  resource: string;
  decision: Decision;
  /** The SDK call, e.g. `dynamodb:TransactWriteItems`. */
  call: string;
  /** false in warn mode: logged, then allowed. */
  enforced: boolean;
  message: string;
}

export interface LocalIam {
  mode: IamMode;
  /** Runs `work` as `caller` (a function key or `states:<machine>`): its SDK calls are checked against that role. */
  runAs<T>(caller: string, work: () => T): T;
  /** A client whose `send` runs as `caller`. */
  asCaller(caller: string, client: { send(command: any): Promise<any> }): { send(command: unknown): Promise<unknown> };
  /** Checks one call outside the SDK (the state machine's lambda:invoke); the denial, or undefined when allowed. */
  check(caller: string, service: string, operation: string, input: unknown): IamDenial | undefined;
  denials(): IamDenial[];
  usage(): IamUsageReport;
  findings(): IamFindings;
  formatFindings(): string[];
  /** What enforcement has cost so far: the bench reports it per order. */
  stats(): IamStats;
  close(): void;
}

export interface IamStats {
  /** SDK calls (and state-machine invokes) checked. */
  checks: number;
  /** (action, resource) requests those calls mapped to. */
  requests: number;
  /** Requests not in the decision cache: evaluated against the role's statements. */
  evaluations: number;
  /** Time spent inside the checks (mapping, cache, evaluation), in microseconds. */
  checkMicroseconds: number;
}

export interface LocalIamOptions {
  mode: IamMode;
  template?: CloudFormationTemplate;
  service: ResolvedService;
  resolve: Resolver;
  stackName: string;
  location: CallLocation & { accountId: string };
  /** The function key of the Lambda invocation the current async context belongs to. */
  callerOfInvocation: () => string | undefined;
  /** Test-only: permissions removed from a role before enforcement (e.g. to prove a denial path). */
  revocations?: Revocation[];
  log?: (line: string) => void;
}

const MAX_DENIALS_KEPT = 1_000;

export function createLocalIam(options: LocalIamOptions): LocalIam {
  const { mode, location } = options;
  const log = options.log ?? (() => undefined);
  if (mode === 'off') return disabledIam();
  if (!options.template) throw new Error('LOCAL_IAM=' + mode + ' needs the packaged template');

  const roles = loadRoles({ template: options.template, service: options.service, resolve: options.resolve, stackName: options.stackName, revocations: options.revocations });
  const recorder = new UsageRecorder(roles);
  const paths = checkServicePaths({ template: options.template, service: options.service, resolve: options.resolve, roles });
  if (paths.problems.length > 0) {
    const text = `IAM: ${paths.problems.length} service-to-service path(s) not allowed by the packaged template:\n  ${paths.problems.join('\n  ')}`;
    if (mode === 'enforce') throw new PolicyCompilationError(`${text}\n(LOCAL_IAM=warn logs this and starts anyway)`);
    log(`[iam] WARNING ${text}`);
  }
  for (const { caller, request } of paths.used) recorder.record(caller, request, evaluate(roles.get(caller)!.statements, request));

  const decisions = new Map<string, Evaluation>();
  const denials: IamDenial[] = [];
  let active = true;
  const stats: IamStats = { checks: 0, requests: 0, evaluations: 0, checkMicroseconds: 0 };

  const decide = (role: Role, request: AuthorizationRequest): Evaluation => {
    const key = `${role.caller}\u0000${request.action}\u0000${request.resource}`;
    let evaluation = decisions.get(key);
    if (!evaluation) {
      stats.evaluations++;
      evaluation = evaluate(role.statements, request);
      decisions.set(key, evaluation);
      recorder.record(role.caller, request, evaluation);
    }
    return evaluation;
  };

  const check = (caller: string, service: string, operation: string, input: unknown): IamDenial | undefined => {
    const started = process.hrtime.bigint();
    try {
      return checkUntimed(caller, service, operation, input);
    } finally {
      stats.checks++;
      stats.checkMicroseconds += Number(process.hrtime.bigint() - started) / 1_000;
    }
  };

  const checkUntimed = (caller: string, service: string, operation: string, input: unknown): IamDenial | undefined => {
    const role = roles.get(caller);
    if (!role) throw new Error(`IAM: no role known for caller ${caller}`);
    let requests: AuthorizationRequest[];
    try {
      requests = authorizationsFor(service, operation, input, location);
    } catch (error) {
      // Never unchecked in silence: enforce fails the call, warn says so and lets it through.
      if (mode === 'enforce' || !(error instanceof UnmappedOperationError)) throw error;
      log(`[iam] UNCHECKED (LOCAL_IAM=warn) ${caller} ${service}:${operation}: ${error.message}`);
      return undefined;
    }
    stats.requests += requests.length;
    for (const request of requests) {
      const evaluation = decide(role, request);
      if (evaluation.decision === 'allow') continue;
      const denial: IamDenial = {
        at: new Date().toISOString(),
        caller,
        roleName: role.roleName,
        action: request.action,
        resource: request.resource,
        decision: evaluation.decision,
        call: `${service}:${operation}`,
        enforced: mode === 'enforce',
        message: accessDeniedMessage({ accountId: location.accountId, roleName: role.roleName, sessionName: role.sessionName, ...request, decision: evaluation.decision }),
      };
      denials.push(denial);
      if (denials.length > MAX_DENIALS_KEPT) denials.shift();
      const why = evaluation.decision === 'explicitDeny' ? `explicit deny (${evaluation.deniedBy?.id})` : 'no statement allows it';
      log(`[iam] ${denial.enforced ? 'DENIED' : 'WOULD DENY (LOCAL_IAM=warn, allowed)'} ${caller} ${request.action} on ${request.resource} (${why}; role ${role.roleName}; call ${denial.call})`);
      if (denial.enforced) return denial;
    }
    return undefined;
  };

  const currentCaller = () => options.callerOfInvocation() ?? explicitCaller();

  const uninstall = interceptSdkClients('iam', async (call, send) => {
    const caller = active ? currentCaller() : undefined;
    if (!caller) return send();
    const denial = check(caller, call.service, call.operation, call.input);
    if (!denial) return send();
    return { response: accessDeniedResponse(call.service, denial.message, randomUUID()), output: undefined };
  });

  return {
    mode,
    runAs: runAsCaller,
    asCaller,
    check,
    denials: () => [...denials],
    usage: () => recorder.report(),
    findings: () => findingsFrom(recorder.report()),
    formatFindings: () => formatFindings(findingsFrom(recorder.report())),
    stats: () => ({ ...stats, checkMicroseconds: Math.round(stats.checkMicroseconds) }),
    close() {
      active = false;
      uninstall();
    },
  };
}

function disabledIam(): LocalIam {
  const empty: IamUsageReport = { roles: [], used: [], wildcardOnly: [] };
  return {
    mode: 'off',
    // Still named: the service faults strike the state machine's integrations with IAM off too.
    runAs: runAsCaller,
    asCaller,
    check: () => undefined,
    denials: () => [],
    usage: () => empty,
    findings: () => findingsFrom(empty),
    formatFindings: () => ['IAM enforcement is off (LOCAL_IAM=off): no findings'],
    stats: () => ({ checks: 0, requests: 0, evaluations: 0, checkMicroseconds: 0 }),
    close: () => undefined,
  };
}
