import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { LocalStepFunctions } from '../../../local/stepfunctions/engine';
import { lambdaIntegration } from '../../../local/stepfunctions/integrations';
import { startStepFunctionsServer, type StepFunctionsServer } from '../../../local/stepfunctions/server';
import { eventually, FakeLambda, loadFixture } from './helpers';

describe('Step Functions HTTP server with @aws-sdk/client-sfn', () => {
  let lambda: FakeLambda;
  let engine: LocalStepFunctions;
  let server: StepFunctionsServer;
  let sfn: SFNClient;

  beforeAll(async () => {
    lambda = new FakeLambda();
    engine = new LocalStepFunctions({ taskHandlers: lambdaIntegration(lambda.invoke) });
    server = await startStepFunctionsServer({ engine, port: 0 });
    sfn = new SFNClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  });

  afterAll(async () => {
    sfn.destroy();
    await engine.shutdown();
    await server.close();
  });

  it('listens on 127.0.0.1 on a free port', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('refuses a request body over 2 MiB without reading it all, and keeps serving', async () => {
    const huge = JSON.stringify({ name: 'x', definition: 'y'.repeat(3 * 1024 * 1024) });
    const outcome = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.CreateStateMachine' },
      body: huge,
    }).then(
      (response) => response.status,
      () => 'connection closed',
    );
    expect([413, 'connection closed']).toContain(outcome);
    // The server still answers after refusing it.
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.$metadata.httpStatusCode).toBe(200);
    expect(Array.isArray(listed.stateMachines)).toBe(true);
  });

  it('runs a callback saga end to end: create, start, describe, SendTaskSuccess, history, list', async () => {
    const created = await sfn.send(new CreateStateMachineCommand({ name: 'payment', definition: JSON.stringify(loadFixture('payment-callback')), roleArn: 'arn:aws:iam::123456789012:role/sfn' }));
    expect(created.stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:payment');
    expect(created.creationDate).toBeInstanceOf(Date);

    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((machine) => machine.name)).toContain('payment');
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    expect(described).toMatchObject({ name: 'payment', status: 'ACTIVE', type: 'STANDARD', roleArn: 'arn:aws:iam::123456789012:role/sfn' });
    expect(JSON.parse(described.definition as string)).toEqual(loadFixture('payment-callback'));

    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, name: 'order-42', input: JSON.stringify({ orderId: 'o-42', paymentTimeoutSeconds: 30 }) }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:payment:order-42');
    expect(started.startDate).toBeInstanceOf(Date);
    expect(Math.abs(started.startDate!.getTime() - Date.now())).toBeLessThan(5000);
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, name: 'order-42', input: '{"orderId":"other"}' })),
    ).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    const token: string = (await lambda.nthCall('start-payment', 1)).payload.taskToken;
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ paymentIntentId: 'pi_42' }) }));
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: 'garbage', output: '{}' }))).rejects.toBeInstanceOf(InvalidToken);

    await engine.waitForExecution(started.executionArn!);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(execution).toMatchObject({ status: 'SUCCEEDED', name: 'order-42', stateMachineArn: created.stateMachineArn });
    expect(JSON.parse(execution.output as string)).toMatchObject({ payment: { paymentIntentId: 'pi_42' }, status: 'PAID' });
    expect(execution.stopDate).toBeInstanceOf(Date);

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 4 }));
    expect(history.events?.map((event) => event.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted']);
    expect(history.events?.[0].timestamp).toBeInstanceOf(Date);
    expect(history.events?.[1].stateEnteredEventDetails?.name).toBe('WaitForPayment');
    expect(history.events?.[2].taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken', timeoutInSeconds: 30 });
    const rest = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, nextToken: history.nextToken }));
    expect(rest.events?.map((event) => event.type)).toContain('ExecutionSucceeded');

    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: created.stateMachineArn, statusFilter: 'SUCCEEDED' }));
    expect(executions.executions?.map((item) => item.name)).toEqual(['order-42']);
    expect(executions.executions?.[0].startDate).toBeInstanceOf(Date);
  });

  it('routes SendTaskFailure and StopExecution', async () => {
    const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: 'payment-2', definition: JSON.stringify(loadFixture('payment-callback')), roleArn: 'arn:aws:iam::123456789012:role/sfn' }));
    const failing = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ orderId: 'f', paymentTimeoutSeconds: 30 }) }));
    const stopping = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ orderId: 's', paymentTimeoutSeconds: 30 }) }));
    const tokenFor = async (orderId: string) => (await eventually(() => lambda.callsTo('start-payment').find((call) => call.payload.orderId === orderId), orderId)).payload.taskToken;

    await sfn.send(new SendTaskFailureCommand({ taskToken: await tokenFor('f'), error: 'CardDeclined', cause: 'do_not_honor' }));
    await tokenFor('s');
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn: stopping.executionArn, error: 'Cancelled', cause: 'by test' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);

    const failed = await engine.waitForExecution(failing.executionArn!);
    expect(JSON.parse(failed.output as string)).toMatchObject({ status: 'PAYMENT_FAILED', error: { Error: 'CardDeclined', Cause: 'do_not_honor' } });
    const aborted = await sfn.send(new DescribeExecutionCommand({ executionArn: stopping.executionArn }));
    expect(aborted).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'by test' });
  });

  it('answers unknown operations and bad requests with AWS error bodies', async () => {
    const unknown = await fetch(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.RedriveExecution' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await unknown.json()).toEqual({ __type: 'UnknownOperationException', message: expect.stringContaining('AWSStepFunctions.RedriveExecution') });

    const missing = await fetch(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.DescribeExecution' },
      body: JSON.stringify({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:payment:nope' }),
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ __type: 'ExecutionDoesNotExist', message: expect.stringContaining('nope') });
  });
});
