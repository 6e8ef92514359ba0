import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { config } from '../commons/config';
import { stepFunctions } from './clients/sfn';

export interface CheckoutExecutionInput {
  orderId: string;
  paymentWindowSeconds: number;
  /** Set by an operator's resume: re-enter after payment. */
  resumeAfterPayment?: true;
  reservation?: { lines: { sku: string; quantity: number }[] };
}

/**
 * Starts the saga. The execution name is the idempotency key: the same name and input while it
 * runs returns the same execution, so a retried request never starts a second saga.
 */
export async function startCheckoutExecution(name: string, input: CheckoutExecutionInput): Promise<string> {
  try {
    const { executionArn } = await stepFunctions.send(
      new StartExecutionCommand({ stateMachineArn: config.stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return executionArn!;
  } catch (error) {
    // Already started for this order (with other input, e.g. finished): the saga exists.
    if (error instanceof ExecutionAlreadyExists) return `${config.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    throw error;
  }
}

/** A callback whose wait already ended (timed out, answered, or aborted) is not an error. */
export type CallbackResult = 'DELIVERED' | 'WAIT_CLOSED';

function closedWait(error: unknown): boolean {
  return error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken;
}

export async function completePaymentWait(taskToken: string, output: unknown): Promise<CallbackResult> {
  try {
    await stepFunctions.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return 'DELIVERED';
  } catch (error) {
    if (closedWait(error)) return 'WAIT_CLOSED';
    throw error;
  }
}

export async function failPaymentWait(taskToken: string, error: string, cause: string): Promise<CallbackResult> {
  try {
    await stepFunctions.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32768) }));
    return 'DELIVERED';
  } catch (failure) {
    if (closedWait(failure)) return 'WAIT_CLOSED';
    throw failure;
  }
}
