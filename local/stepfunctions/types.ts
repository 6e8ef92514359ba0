/** Public shapes of the local Step Functions engine (mirroring the Step Functions API where one exists). */

export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };
export type JSONObject = { [key: string]: JSONValue };

/** What a task handler receives for one attempt of a Task state. */
export interface TaskCall {
  /** The Resource field exactly as written in the ASL (suffixes such as `.waitForTaskToken` included). */
  resource: string;
  /** The effective input after InputPath and Parameters. */
  parameters: JSONValue;
  stateName: string;
  executionArn: string;
  /** Present for `.waitForTaskToken` resources: the token that SendTaskSuccess/Failure/Heartbeat must quote. */
  taskToken?: string;
}

export type TaskHandler = (call: TaskCall) => Promise<unknown>;
export type ResourceMatcher = (resource: string) => boolean;

export interface TaskHandlerRegistration {
  matches: ResourceMatcher;
  handle: TaskHandler;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StateMachineSummary {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD';
  creationDate: Date;
}

export interface StateMachineDescription extends StateMachineSummary {
  status: 'ACTIVE';
  definition: string;
  roleArn: string;
  loggingConfiguration: { level: 'OFF'; includeExecutionData: false };
}

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface ExecutionDescription extends ExecutionSummary {
  input: string;
  inputDetails: { included: true };
  output?: string;
  outputDetails?: { included: true };
  error?: string;
  cause?: string;
  redriveCount: 0;
  redriveStatus: 'NOT_REDRIVABLE';
}

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  /** Exactly one `<something>EventDetails` property, named as in the Step Functions API. */
  [details: string]: unknown;
}

export interface HistoryPage {
  events: HistoryEvent[];
  nextToken?: string;
}
