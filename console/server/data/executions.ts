/**
 * The order's executions through the Step Functions API: the saga (named after the order) and each
 * operator resume (`<orderId>-resume-<n>`, src/use-cases/api/resume-order.ts), with their histories.
 */
import { DescribeExecutionCommand, ExecutionDoesNotExist, GetExecutionHistoryCommand, ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import type { ConsoleTarget } from '../target';
import type { HistoryEvent } from '../model/state-status';

export interface ExecutionSummary {
  name: string;
  executionArn: string;
  status: string;
  startDate?: string;
  stopDate?: string;
  error?: string;
  cause?: string;
  kind: 'saga' | 'operator resume';
}

/** Step Functions keeps at most 25,000 events per execution. */
const MAX_EVENTS = 25_000;

export async function stateMachineArnOf(target: ConsoleTarget): Promise<string> {
  if (target.stateMachineArn) return target.stateMachineArn;
  let nextToken: string | undefined;
  do {
    const page = await target.sfn.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((machine) => machine.name === target.names.stateMachine);
    if (found?.stateMachineArn) {
      target.stateMachineArn = found.stateMachineArn;
      return found.stateMachineArn;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  throw new Error(`No state machine named ${target.names.stateMachine} in ${target.region}`);
}

export async function executionArnOf(target: ConsoleTarget, name: string): Promise<string> {
  return `${(await stateMachineArnOf(target)).replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function describeExecution(target: ConsoleTarget, name: string): Promise<ExecutionSummary | undefined> {
  try {
    const executionArn = await executionArnOf(target, name);
    const described = await target.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      name,
      executionArn,
      status: described.status ?? 'UNKNOWN',
      startDate: described.startDate?.toISOString(),
      stopDate: described.stopDate?.toISOString(),
      error: described.error,
      cause: described.cause,
      kind: name.includes('-resume-') ? 'operator resume' : 'saga',
    };
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}

/** Every execution of the order, oldest first: the saga, then resume 1..resumeCount. */
export async function executionsOf(target: ConsoleTarget, order: { orderId: string; resumeCount?: number }): Promise<ExecutionSummary[]> {
  const names = [order.orderId];
  for (let n = 1; n <= (order.resumeCount ?? 0); n += 1) names.push(`${order.orderId}-resume-${n}`);
  const described = await Promise.all(names.map((name) => describeExecution(target, name)));
  return described.filter((execution): execution is ExecutionSummary => Boolean(execution));
}

export async function historyOf(target: ConsoleTarget, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await target.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: true }));
    for (const event of page.events ?? []) events.push(redactTaskTokens({ ...(event as any), timestamp: event.timestamp?.toISOString() ?? '' }));
    nextToken = page.nextToken;
  } while (nextToken && events.length < MAX_EVENTS);
  return events;
}

const REDACTED = '[redacted: a task token is a credential]';

/**
 * A history shows each task's parameters, and the payment wait's carry its task token: whoever
 * holds one can resume or fail the saga. The console never serves it (a deployed stage's history is
 * read with an operator's credentials, then shown in a browser and downloaded as a file).
 */
export function redactTaskTokens<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactTaskTokens(item)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, /^taskToken$/i.test(key) && typeof inner === 'string' ? REDACTED : redactTaskTokens(inner)])) as T;
  }
  if (typeof value === 'string' && value.includes('askToken') && /^\s*[{[]/.test(value)) {
    try {
      return JSON.stringify(redactTaskTokens(JSON.parse(value))) as T;
    } catch {
      return value.replace(/("taskToken"\s*:\s*")[^"]*"/gi, `$1${REDACTED}"`) as T;
    }
  }
  return value;
}
