import type { StateCursor } from './state-cursor';

export interface ContextIdentity {
  executionArn: string;
  executionName: string;
  roleArn: string;
  stateMachineArn: string;
  stateMachineName: string;
}

/**
 * The `$$` object handed to the library for one execution. The library adds Execution.Input and
 * Execution.StartTime itself; State and Task are live views (enumerable getters, so that `$$` as a
 * whole serialises too) answering for the state the library is evaluating at that moment.
 */
export function buildContextObject(identity: ContextIdentity, cursor: StateCursor, isCallbackTask: (stateName: string) => boolean) {
  return {
    Execution: {
      Id: identity.executionArn,
      Name: identity.executionName,
      RoleArn: identity.roleArn,
      RedriveCount: 0,
    },
    StateMachine: {
      Id: identity.stateMachineArn,
      Name: identity.stateMachineName,
    },
    State: {
      get Name() {
        return cursor.stateName;
      },
      get EnteredTime() {
        return cursor.enteredTime;
      },
      get RetryCount() {
        return cursor.retryCount;
      },
    },
    Task: {
      // Only callback tasks have a token on AWS; elsewhere `$$.Task.Token` does not resolve.
      get Token() {
        const name = cursor.stateName;
        return name !== undefined && isCallbackTask(name) ? cursor.tokenForCurrentAttempt() : undefined;
      },
    },
  };
}
