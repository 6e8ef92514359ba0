import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStepFunctions, type LocalStepFunctionsOptions } from '../../../local/stepfunctions/engine';
import { lambdaIntegration } from '../../../local/stepfunctions/integrations';
import type { HistoryEvent, TaskCall } from '../../../local/stepfunctions/types';

export function loadFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.asl.json`), 'utf8')) as Record<string, unknown>;
}

/** Polls `probe` every 10 ms until it returns a value other than undefined/false, or fails at the deadline. */
export async function eventually<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Pacing for scenarios that are about elapsed time (heartbeats), never used to wait for the engine. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface LambdaCall {
  functionName: string;
  payload: any;
  at: number;
}

/**
 * A fake Lambda service: records invocations and answers through per-function behaviours
 * (a function without a behaviour returns `{}`).
 */
export class FakeLambda {
  readonly calls: LambdaCall[] = [];
  private readonly behaviours = new Map<string, (payload: any, call: LambdaCall) => unknown>();

  on(functionName: string, behaviour: (payload: any, call: LambdaCall) => unknown): this {
    this.behaviours.set(functionName, behaviour);
    return this;
  }

  invoke = async (functionName: string, payload: unknown): Promise<unknown> => {
    const call: LambdaCall = { functionName, payload, at: Date.now() };
    this.calls.push(call);
    const behaviour = this.behaviours.get(functionName) ?? this.behaviours.get(functionName.split(':').pop() ?? '');
    return behaviour ? behaviour(payload, call) : {};
  };

  callsTo(functionName: string): LambdaCall[] {
    return this.calls.filter((call) => call.functionName === functionName || call.functionName.endsWith(`:${functionName}`));
  }

  /** Waits until `functionName` has been invoked `count` times and returns that invocation. */
  nthCall(functionName: string, count: number): Promise<LambdaCall> {
    return eventually(() => this.callsTo(functionName)[count - 1], `invocation #${count} of ${functionName}`);
  }
}

export function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function engineWithLambda(lambda: FakeLambda, options: LocalStepFunctionsOptions = {}): LocalStepFunctions {
  return new LocalStepFunctions({ ...options, taskHandlers: [...lambdaIntegration(lambda.invoke), ...(options.taskHandlers ?? [])] });
}

export function historyTypes(events: HistoryEvent[]): string[] {
  return events.map((event) => event.type);
}

export function detailsOf(event: HistoryEvent | undefined): Record<string, any> {
  const entry = Object.entries(event ?? {}).find(([key]) => key.endsWith('EventDetails'));
  return (entry?.[1] ?? {}) as Record<string, unknown>;
}

export type { TaskCall };
