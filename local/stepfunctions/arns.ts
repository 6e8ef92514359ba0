import { SfnApiError } from './errors';

export interface AccountScope {
  region: string;
  accountId: string;
}

export function stateMachineArn(scope: AccountScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function executionArn(scope: AccountScope, stateMachineName: string, executionName: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:execution:${stateMachineName}:${executionName}`;
}

export function assertArn(value: unknown, kind: 'stateMachine' | 'execution'): string {
  if (typeof value !== 'string' || !new RegExp(`^arn:aws[a-z-]*:states:[^:]*:[^:]*:${kind}:`).test(value)) {
    throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(value)}'`);
  }
  return value;
}

// Step Functions names: 1-80 characters, none of whitespace, brackets, wildcards, the listed
// punctuation, or control characters (StartExecution / CreateStateMachine API reference).
const FORBIDDEN_NAME_CHARS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export function assertValidName(name: unknown, what: 'execution' | 'state machine'): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 80 || FORBIDDEN_NAME_CHARS.test(name)) {
    throw new SfnApiError('InvalidName', `Invalid Name: '${String(name)}' is not a valid ${what} name`);
  }
  return name;
}
