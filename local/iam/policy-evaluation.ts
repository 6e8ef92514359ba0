/**
 * Identity-policy evaluation as AWS does it for one principal in one account, small on purpose:
 * an explicit Deny wins, then an Allow, otherwise the request is implicitly denied. Actions match
 * case-insensitively and resources case-sensitively, both with the wildcards `*` (any run of
 * characters, `:` and `/` included) and `?` (one character); `NotAction` / `NotResource` match
 * what they do not list. A statement with a `Condition` is refused when the policy is compiled:
 * the local cloud has no request context (source ARN, tags, secure transport...) to evaluate it
 * against, and guessing either way would hide a difference from AWS. Principals are not part of
 * identity policies; resource policies are checked by `resource-policies.ts`.
 *
 * Written here rather than taken from npm: the faithful evaluators (@cloud-copilot/iam-simulate
 * and friends) are AGPL, and the MIT ones mishandle action case (shared/notes/toolchain.md).
 */

export type Effect = 'Allow' | 'Deny';

/** A statement as written in a template (after intrinsics are resolved). */
export interface PolicyStatementDocument {
  Sid?: string;
  Effect: Effect;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: unknown;
  Principal?: unknown;
  [key: string]: unknown;
}

export interface CompiledStatement {
  /** Where it came from, for messages and findings: `<PolicyName>#<index>` or the Sid. */
  id: string;
  effect: Effect;
  actions: Pattern[];
  /** NotAction: the statement applies to every action that matches none of `actions`. */
  negatedActions: boolean;
  resources: Pattern[];
  negatedResources: boolean;
}

export interface Pattern {
  text: string;
  hasWildcard: boolean;
  test(value: string): boolean;
}

export interface AuthorizationRequest {
  action: string;
  /** A concrete ARN, or `*` for actions that take no resource-level permissions. */
  resource: string;
}

export type Decision = 'allow' | 'explicitDeny' | 'implicitDeny';

export interface Evaluation {
  decision: Decision;
  /** The Allow statements that matched (empty unless allowed), with the action/resource patterns that did. */
  allowedBy: Array<{ statement: CompiledStatement; action?: Pattern; resource?: Pattern }>;
  /** The Deny statement that decided, if any. */
  deniedBy?: CompiledStatement;
}

export class PolicyCompilationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyCompilationError';
  }
}

const asList = (value: string | string[] | undefined): string[] | undefined => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

/** `s3:Get*`, `arn:aws:sqs:*:123:queue-?` -> a matcher; regular-expression characters are literal. */
export function wildcardPattern(text: string, caseInsensitive: boolean): Pattern {
  const source = text.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
  return { text, hasWildcard: /[*?]/.test(text), test: (value) => regex.test(value) };
}

export function compileStatement(document: PolicyStatementDocument, id: string): CompiledStatement {
  if (document.Effect !== 'Allow' && document.Effect !== 'Deny') throw new PolicyCompilationError(`${id}: Effect must be Allow or Deny, got ${JSON.stringify(document.Effect)}`);
  if (document.Condition !== undefined) {
    throw new PolicyCompilationError(
      `${id}: statements with a Condition are not evaluated by the local cloud (${JSON.stringify(document.Condition)}); ` +
        'refusing to start rather than guess: run with LOCAL_IAM=off, or teach local/iam/policy-evaluation.ts the condition',
    );
  }
  const action = asList(document.Action);
  const notAction = asList(document.NotAction);
  const resource = asList(document.Resource);
  const notResource = asList(document.NotResource);
  if ((action === undefined) === (notAction === undefined)) throw new PolicyCompilationError(`${id}: needs exactly one of Action and NotAction`);
  if ((resource === undefined) === (notResource === undefined)) throw new PolicyCompilationError(`${id}: needs exactly one of Resource and NotResource`);
  for (const value of [...(action ?? notAction)!, ...(resource ?? notResource)!]) {
    if (typeof value !== 'string') throw new PolicyCompilationError(`${id}: every Action and Resource must be a string after resolution, got ${JSON.stringify(value)}`);
  }
  return {
    id,
    effect: document.Effect,
    actions: (action ?? notAction)!.map((text) => wildcardPattern(text, true)),
    negatedActions: notAction !== undefined,
    resources: (resource ?? notResource)!.map((text) => wildcardPattern(text, false)),
    negatedResources: notResource !== undefined,
  };
}

/** The matching patterns when the statement applies to the request (for NotX: undefined pattern), or null. */
function match(statement: CompiledStatement, request: AuthorizationRequest): { action?: Pattern; resource?: Pattern } | null {
  const action = statement.actions.find((pattern) => pattern.test(request.action));
  if (statement.negatedActions ? action !== undefined : action === undefined) return null;
  const resource = statement.resources.find((pattern) => pattern.test(request.resource));
  if (statement.negatedResources ? resource !== undefined : resource === undefined) return null;
  return { action: statement.negatedActions ? undefined : action, resource: statement.negatedResources ? undefined : resource };
}

export function evaluate(statements: readonly CompiledStatement[], request: AuthorizationRequest): Evaluation {
  const allowedBy: Evaluation['allowedBy'] = [];
  for (const statement of statements) {
    const matched = match(statement, request);
    if (!matched) continue;
    if (statement.effect === 'Deny') return { decision: 'explicitDeny', allowedBy: [], deniedBy: statement };
    allowedBy.push({ statement, ...matched });
  }
  return { decision: allowedBy.length > 0 ? 'allow' : 'implicitDeny', allowedBy };
}
