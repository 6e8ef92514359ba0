import { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { lambdaIntegration } from '../../../local/stepfunctions/integrations';

const LAMBDA = 'arn:aws:states:::lambda:invoke';

function machineWith(state: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { ...extra, StartAt: 'Subject', States: { Subject: { ...state, End: true } } };
}

describe('LocalStepFunctions: refuses at creation what it cannot run faithfully', () => {
  const engine = new LocalStepFunctions({ taskHandlers: lambdaIntegration(async () => ({})) });
  let counter = 0;

  function create(definition: Record<string, unknown>) {
    return () => engine.createStateMachine({ name: `refused-${++counter}`, definition });
  }

  it.each([
    ['JSONata query language', machineWith({ Type: 'Pass' }, { QueryLanguage: 'JSONata' }), /QueryLanguage 'JSONata'/],
    ['JSONata on one state', machineWith({ Type: 'Pass', QueryLanguage: 'JSONata' }), /State 'Subject'.*QueryLanguage/],
    ['Assign (variables)', machineWith({ Type: 'Pass', Assign: { total: 1 } }), /State 'Subject'.*Assign/],
    ['a resource with no handler', machineWith({ Type: 'Task', Resource: 'arn:aws:states:::events:putEvents' }), /State 'Subject'.*no task handler.*events:putEvents/],
    ['.sync integrations', machineWith({ Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2' }), /State 'Subject'.*'\.sync'/],
    ['a distributed Map ItemReader', machineWith({ Type: 'Map', ItemReader: { Resource: 'arn:aws:states:::s3:getObject' }, ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } }), /State 'Subject'.*ItemReader/],
    ['distributed Map mode', machineWith({ Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } }), /State 'Subject'.*DISTRIBUTED/],
    ['a task TimeoutSeconds beyond the timer range', machineWith({ Type: 'Task', Resource: LAMBDA, Parameters: { FunctionName: 'f' }, TimeoutSeconds: 2_147_484 }), /State 'Subject'.*TimeoutSeconds 2147484/],
    ['a Wait beyond the timer range', machineWith({ Type: 'Wait', Seconds: 3_000_000 }), /State 'Subject'.*Wait Seconds/],
    ['HeartbeatSeconds not below TimeoutSeconds', machineWith({ Type: 'Task', Resource: LAMBDA, Parameters: { FunctionName: 'f' }, TimeoutSeconds: 5, HeartbeatSeconds: 5 }), /HeartbeatSeconds must be smaller/],
    [
      'TimeoutSecondsPath inside a Map iterator',
      machineWith({ Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: LAMBDA, Parameters: { FunctionName: 'f' }, TimeoutSecondsPath: '$.t', End: true } } } }),
      /State 'T'.*TimeoutSecondsPath/,
    ],
    [
      "the execution's input inside a Parallel branch",
      machineWith({ Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Parameters: { 'order.$': '$$.Execution.Input.order' }, End: true } } }] }),
      /State 'B'.*\$\$\.Execution\.Input\.order/,
    ],
    ['an invalid definition', { StartAt: 'Missing', States: { Other: { Type: 'Pass', End: true } } }, /Invalid State Machine Definition/],
  ])('refuses %s with a message naming the state', (_, definition, message) => {
    expect(create(definition as Record<string, unknown>)).toThrow(expect.objectContaining({ name: 'InvalidDefinition', message: expect.stringMatching(message) }));
  });

  it('accepts a top-level TimeoutSeconds beyond the timer range (the engine chains timers)', () => {
    expect(create(machineWith({ Type: 'Pass' }, { TimeoutSeconds: 31_536_000 }))).not.toThrow();
  });

  it('is idempotent for an identical definition and refuses a different one under the same name', () => {
    const definition = machineWith({ Type: 'Pass' });
    const first = engine.createStateMachine({ name: 'same', definition });
    expect(engine.createStateMachine({ name: 'same', definition }).stateMachineArn).toBe(first.stateMachineArn);
    expect(() => engine.createStateMachine({ name: 'same', definition: machineWith({ Type: 'Succeed' }) })).toThrow(
      expect.objectContaining({ name: 'StateMachineAlreadyExists' }),
    );
    expect(() => engine.createStateMachine({ name: 'express', definition, type: 'EXPRESS' })).toThrow(expect.objectContaining({ name: 'StateMachineTypeNotSupported' }));
  });
});
