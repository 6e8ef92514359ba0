import { SfnApiError } from './errors';
import type { HistoryEvent, HistoryPage } from './types';

/** History event types whose details object Step Functions names after the type itself. */
const DETAILS_NAMED_AFTER_TYPE = new Set([
  'ExecutionStarted', 'ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut',
  'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskFailed', 'TaskTimedOut',
  'LambdaFunctionScheduled', 'LambdaFunctionSucceeded', 'LambdaFunctionFailed', 'LambdaFunctionTimedOut',
  'MapStateStarted', 'MapIterationStarted', 'MapIterationSucceeded', 'MapIterationFailed', 'MapIterationAborted',
]);

function detailsKey(type: string): string | undefined {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  if (DETAILS_NAMED_AFTER_TYPE.has(type)) return `${type[0].toLowerCase()}${type.slice(1)}EventDetails`;
  return undefined;
}

/** Details fields that carry execution data, left out when includeExecutionData is false. */
const EXECUTION_DATA_FIELDS = ['input', 'inputDetails', 'output', 'outputDetails', 'parameters'];

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

export interface HistoryQuery {
  reverseOrder?: boolean;
  maxResults?: number;
  nextToken?: string;
  includeExecutionData?: boolean;
}

/** The event history of one execution, in the shape of GetExecutionHistory. */
export class ExecutionHistory {
  private readonly events: HistoryEvent[] = [];

  constructor(private readonly executionArn: string) {}

  add(type: string, details?: Record<string, unknown>, timestamp: Date = new Date()): HistoryEvent {
    const id = this.events.length + 1;
    const event: HistoryEvent = { timestamp, type, id, previousEventId: id - 1 };
    const key = detailsKey(type);
    if (key) event[key] = withoutUndefined(details ?? {});
    this.events.push(event);
    return event;
  }

  get length(): number {
    return this.events.length;
  }

  page(query: HistoryQuery = {}): HistoryPage {
    const size = Math.min(Math.max(query.maxResults || DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const offset = query.nextToken === undefined ? 0 : this.decodeToken(query.nextToken);
    const ordered = query.reverseOrder ? [...this.events].reverse() : this.events;
    const slice = ordered.slice(offset, offset + size).map((event) => (query.includeExecutionData === false ? stripExecutionData(event) : event));
    const nextOffset = offset + size;
    return nextOffset < ordered.length ? { events: slice, nextToken: this.encodeToken(nextOffset) } : { events: slice };
  }

  private encodeToken(offset: number): string {
    return Buffer.from(JSON.stringify({ arn: this.executionArn, offset })).toString('base64url');
  }

  private decodeToken(token: string): number {
    try {
      const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { arn?: unknown; offset?: unknown };
      if (decoded.arn === this.executionArn && Number.isInteger(decoded.offset) && (decoded.offset as number) >= 0) return decoded.offset as number;
    } catch {
      // fall through
    }
    throw new SfnApiError('InvalidToken', 'Invalid nextToken');
  }
}

function stripExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') {
      const details = { ...(value as Record<string, unknown>) };
      for (const field of EXECUTION_DATA_FIELDS) delete details[field];
      copy[key] = details;
    }
  }
  return copy;
}

function withoutUndefined(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

/** Inputs and outputs travel as JSON text in the Step Functions API. */
export function dataDetails(kind: 'input' | 'output', value: unknown): Record<string, unknown> {
  return { [kind]: JSON.stringify(value ?? null), [`${kind}Details`]: { truncated: false } };
}
