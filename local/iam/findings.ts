/**
 * Least-privilege findings from what a run actually called: statements and actions of each role
 * that no call used (candidates to remove), and calls that only a wildcard allowed. Usage reports
 * are plain JSON so that several local clouds (one per jest file) can be merged into one verdict:
 * a permission is unused only if no cloud of the run used it.
 */
import type { AuthorizationRequest, CompiledStatement, Evaluation } from './policy-evaluation';
import type { Role } from './roles';

/** Actions of the platform itself (CloudWatch Logs from the Lambda runtime, X-Ray), never called by our code. */
const PLATFORM_ACTION = /^(logs|xray):/i;

export interface StatementSummary {
  id: string;
  effect: string;
  actions: string[];
  resources: string[];
  negated: boolean;
}

export interface IamUsageReport {
  roles: Array<{ caller: string; roleName: string; statements: StatementSummary[] }>;
  /** `caller|statementId|a:<action pattern>` and `caller|statementId|r:<resource pattern>` that allowed some call. */
  used: string[];
  /** Calls whose every allowing statement matched through a wildcard (in the action or the resource). */
  wildcardOnly: Array<{ caller: string; action: string; resource: string; allowedBy: string[] }>;
}

export interface IamFindings {
  unusedStatements: Array<{ caller: string; roleName: string; statement: string; actions: string[]; resources: string[] }>;
  unusedActions: Array<{ caller: string; statement: string; action: string }>;
  unusedResources: Array<{ caller: string; statement: string; resource: string }>;
  wildcardOnly: IamUsageReport['wildcardOnly'];
  /** Platform statements (logs, X-Ray): used by Lambda and Step Functions themselves, not observable locally. */
  notObservable: Array<{ caller: string; statement: string; actions: string[] }>;
}

const usedKey = (caller: string, statement: string, kind: 'a' | 'r', pattern: string) => `${caller}|${statement}|${kind}:${pattern}`;

export class UsageRecorder {
  private readonly used = new Set<string>();
  private readonly wildcardOnly = new Map<string, IamUsageReport['wildcardOnly'][number]>();

  constructor(private readonly roles: Map<string, Role>) {}

  record(caller: string, request: AuthorizationRequest, evaluation: Evaluation): void {
    if (evaluation.decision !== 'allow') return;
    let exact = false;
    for (const { statement, action, resource } of evaluation.allowedBy) {
      if (action) this.used.add(usedKey(caller, statement.id, 'a', action.text));
      if (resource) this.used.add(usedKey(caller, statement.id, 'r', resource.text));
      // A request on `*` (actions without resource-level permissions) cannot be narrowed: not a wildcard finding.
      const resourceExact = request.resource === '*' || (resource !== undefined && !resource.hasWildcard);
      if (action && !action.hasWildcard && resourceExact) exact = true;
    }
    if (!exact) {
      this.wildcardOnly.set(`${caller}|${request.action}|${request.resource}`, {
        caller,
        action: request.action,
        resource: request.resource,
        allowedBy: evaluation.allowedBy.map(({ statement, action, resource }) => `${statement.id} (${action?.text ?? 'NotAction'} on ${resource?.text ?? 'NotResource'})`),
      });
    }
  }

  report(): IamUsageReport {
    return {
      roles: [...this.roles.values()].map((role) => ({ caller: role.caller, roleName: role.roleName, statements: role.statements.map(summarise) })),
      used: [...this.used].sort(),
      wildcardOnly: [...this.wildcardOnly.values()],
    };
  }
}

function summarise(statement: CompiledStatement): StatementSummary {
  return {
    id: statement.id,
    effect: statement.effect,
    actions: statement.actions.map((p) => p.text),
    resources: statement.resources.map((p) => p.text),
    negated: statement.negatedActions || statement.negatedResources,
  };
}

/** One report from several (the roles of the first, usage of all). */
export function mergeUsageReports(reports: IamUsageReport[]): IamUsageReport {
  const wildcardOnly = new Map(reports.flatMap((r) => r.wildcardOnly.map((w) => [`${w.caller}|${w.action}|${w.resource}`, w] as const)));
  return {
    roles: reports[0]?.roles ?? [],
    used: [...new Set(reports.flatMap((r) => r.used))].sort(),
    wildcardOnly: [...wildcardOnly.values()],
  };
}

export function findingsFrom(report: IamUsageReport): IamFindings {
  const used = new Set(report.used);
  const findings: IamFindings = { unusedStatements: [], unusedActions: [], unusedResources: [], wildcardOnly: report.wildcardOnly, notObservable: [] };
  for (const role of report.roles) {
    for (const statement of role.statements) {
      if (statement.effect !== 'Allow' || statement.negated) continue;
      if (statement.actions.every((action) => PLATFORM_ACTION.test(action))) {
        findings.notObservable.push({ caller: role.caller, statement: statement.id, actions: statement.actions });
        continue;
      }
      const usedActions = statement.actions.filter((a) => used.has(usedKey(role.caller, statement.id, 'a', a)));
      if (usedActions.length === 0) {
        findings.unusedStatements.push({ caller: role.caller, roleName: role.roleName, statement: statement.id, actions: statement.actions, resources: statement.resources });
        continue;
      }
      for (const action of statement.actions) {
        if (!usedActions.includes(action) && !PLATFORM_ACTION.test(action)) findings.unusedActions.push({ caller: role.caller, statement: statement.id, action });
      }
      for (const resource of statement.resources) {
        if (!used.has(usedKey(role.caller, statement.id, 'r', resource))) findings.unusedResources.push({ caller: role.caller, statement: statement.id, resource });
      }
    }
  }
  return findings;
}

/** The findings as lines for a terminal. */
export function formatFindings(findings: IamFindings): string[] {
  const lines = ['IAM least-privilege findings (from the calls of this run; an unexercised path looks unused too):'];
  const section = (title: string, items: string[]) => {
    lines.push(`  ${title}: ${items.length === 0 ? 'none' : ''}`);
    for (const item of items) lines.push(`    - ${item}`);
  };
  section('statements never used (candidates to remove)', findings.unusedStatements.map((s) => `${s.caller}: ${s.actions.join(', ')} on ${s.resources.join(', ')}`));
  section('actions never used in statements otherwise used', findings.unusedActions.map((a) => `${a.caller}: ${a.action} (${a.statement})`));
  section('resources never matched in statements otherwise used', findings.unusedResources.map((r) => `${r.caller}: ${r.resource} (${r.statement})`));
  section('calls allowed only by a wildcard', findings.wildcardOnly.map((w) => `${w.caller}: ${w.action} on ${w.resource} via ${w.allowedBy.join('; ')}`));
  lines.push(`  platform statements not observable locally (logs, X-Ray): ${findings.notObservable.length}`);
  return lines;
}
