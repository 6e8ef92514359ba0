/**
 * Local engine overhead: executions per second of the checkout state machine (the real ASL, the
 * happy path: 7 states, a callback wait answered at once) with trivial task handlers, in the local
 * Step Functions service (local/stepfunctions: task tokens, history, context object, timeouts) and
 * in aws-local-stepfunctions alone (task overrides, no tokens), same definition, same process.
 *
 *   npx tsx bench/parts/engine.ts [--out file]
 */
import path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadService } from '../../local/serverless-config/load-service';
import { LocalStepFunctions } from '../../local/stepfunctions';
import { progress, runPart } from '../lib/part';
import { round } from '../lib/stats';

const PART = 'engine';
const ROOT = path.join(__dirname, '..', '..');
const CONCURRENCY = 50;
const DURATION_MS = process.argv.includes('--quick') ? 1_000 : 3_000;
const LINES = [{ sku: 'BENCH-01', quantity: 1 }];

/** Intrinsics (Fn::GetAtt / Ref) replaced by plausible ARNs and URLs: nothing is called. */
function withoutIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIntrinsics);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if ('Fn::GetAtt' in record) return `arn:aws:lambda:us-east-1:123456789012:function:${(record['Fn::GetAtt'] as string[])[0]}`;
    if ('Ref' in record) return `https://sqs.us-east-1.amazonaws.com/123456789012/${String(record.Ref)}`;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, withoutIntrinsics(v)]));
  }
  return value;
}

/** Keeps `concurrency` executions in flight for `durationMs`; returns completed executions per second. */
async function drive(runOne: () => Promise<void>, durationMs: number): Promise<{ executions: number; perSecond: number }> {
  const started = Date.now();
  const deadline = started + durationMs;
  let executions = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        await runOne();
        executions++;
      }
    }),
  );
  return { executions, perSecond: round(executions / ((Date.now() - started) / 1000), 0) };
}

async function main() {
  const service = await loadService({ root: ROOT, stage: 'local' });
  const machine = Object.values(service.stepFunctions?.stateMachines ?? {})[0];
  const definition = withoutIntrinsics(machine.definition) as any;
  const input = { orderId: 'ord_bench', paymentWindowSeconds: 900 };

  // The local Step Functions service, as the local cloud uses it.
  const engine = new LocalStepFunctions({});
  engine.registerResource(
    (resource) => resource === 'arn:aws:states:::lambda:invoke',
    async () => ({ Payload: { lines: LINES }, StatusCode: 200 }),
  );
  engine.registerResource(
    (resource) => resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken',
    async (call) => {
      setImmediate(() => engine.sendTaskSuccess(call.taskToken!, JSON.stringify({ paymentIntentId: 'pi_bench', status: 'succeeded' })));
      return { StatusCode: 200 };
    },
  );
  engine.registerResource((resource) => resource.startsWith('arn:aws:states:::dynamodb:'), async () => ({}));
  engine.registerResource((resource) => resource.startsWith('arn:aws:states:::sqs:'), async () => ({ MessageId: 'm' }));
  const { stateMachineArn } = engine.createStateMachine({ name: 'checkout-bench', definition });
  let counter = 0;
  const runLocal = async () => {
    const { executionArn } = engine.startExecution({ stateMachineArn, name: `e${counter++}`, input });
    const final = await engine.waitForExecution(executionArn, { timeoutMs: 10_000 });
    if (final.status !== 'SUCCEEDED') throw new Error(`local engine execution ${final.status}`);
  };
  await drive(runLocal, 300); // warm-up
  const states = engine
    .getExecutionHistory(engine.listExecutions({ stateMachineArn, maxResults: 1 }).executions[0].executionArn, { maxResults: 1000 })
    .events.filter((e) => e.type.endsWith('StateEntered')).length;
  progress(PART, `local Step Functions service, ${CONCURRENCY} in flight, ${DURATION_MS / 1000} s`);
  const local = await drive(runLocal, DURATION_MS);
  await engine.shutdown();

  // aws-local-stepfunctions alone: the same definition, tasks overridden by state name. The library
  // resolves TimeoutSecondsPath against the task's effective input (AWS: the raw input), so the
  // payment wait gets the same 900 s as a constant.
  const libraryDefinition = JSON.parse(JSON.stringify(definition));
  for (const state of Object.values<any>(libraryDefinition.States)) {
    if (state.TimeoutSecondsPath) {
      delete state.TimeoutSecondsPath;
      state.TimeoutSeconds = input.paymentWindowSeconds;
    }
  }
  const library = new StateMachine(libraryDefinition, { validationOptions: { checkArn: false } });
  const trivial = async () => ({ Payload: { lines: LINES }, StatusCode: 200 });
  const handlers = Object.fromEntries(
    Object.entries<any>(definition.States)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name]) => [name, trivial]),
  );
  const runLibrary = async () => {
    const execution = library.run(input, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: { Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:checkout-bench:e' }, State: { EnteredTime: new Date().toISOString() }, Task: { Token: 't' } } as any,
    });
    await execution.result;
  };
  await drive(runLibrary, 300);
  progress(PART, `aws-local-stepfunctions alone, ${CONCURRENCY} in flight, ${DURATION_MS / 1000} s`);
  const alone = await drive(runLibrary, DURATION_MS);

  progress(PART, `local service ${local.perSecond}/s, library alone ${alone.perSecond}/s`);
  return {
    command: 'npx tsx bench/parts/engine.ts',
    statesPerExecution: states,
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    localService: local,
    libraryAlone: alone,
    overheadFactor: round(alone.perSecond / Math.max(1, local.perSecond), 2),
  };
}

runPart(PART, 60_000, main);
