import {
  compensationCause,
  failureReason,
  planCompensation,
  type CompensationCause,
  type PaymentCancellation,
} from '../../../src/domain/compensation';
import { anOrder } from '../fixtures/orders';

describe('compensationCause', () => {
  test.each([
    ['States.Timeout', 'EXPIRED'],
    ['OrderCanceled', 'CANCELED'],
    ['PaymentCanceled', 'CANCELED'],
    ['PaymentAmountMismatch', 'PAYMENT_AMOUNT_MISMATCH'],
    ['States.TaskFailed', 'FAILED'],
    ['States.ALL', 'FAILED'],
    ['InvalidOrderState', 'FAILED'],
    ['OutOfStock', 'FAILED'],
    ['Lambda.ServiceException', 'FAILED'],
    ['states.timeout', 'FAILED'],
    ['', 'FAILED'],
  ])('%p -> %s', (errorName, cause) => {
    expect(compensationCause(errorName)).toBe(cause);
  });

  test('no error at all -> FAILED', () => {
    expect(compensationCause(undefined)).toBe('FAILED');
  });
});

describe('failureReason', () => {
  test('a customer cancel and a PaymentIntent cancelled in Stripe read differently', () => {
    expect(failureReason('CANCELED', { Error: 'OrderCanceled' })).toBe('Cancelled by the customer');
    expect(failureReason('CANCELED', { Error: 'PaymentCanceled' })).toBe('PaymentIntent was canceled');
  });

  test('a failure names the error, or says it is unknown', () => {
    expect(failureReason('FAILED', { Error: 'Lambda.Unknown', Cause: 'boom' })).toBe(
      'Checkout failed before payment: Lambda.Unknown',
    );
    expect(failureReason('FAILED')).toBe('Checkout failed before payment: unknown error');
  });
});

describe('planCompensation', () => {
  const order = anOrder({ amounts: { subtotal: 2500, shipping: 500, total: 3000, currency: 'usd' } });

  const NOT_PAID: PaymentCancellation[] = [{ result: 'NO_PAYMENT_INTENT' }, { result: 'CANCELED' }];

  test.each(
    NOT_PAID.flatMap((cancellation) => [
      {
        cancellation,
        error: { Error: 'States.Timeout' },
        expected: { outcome: 'CLOSED', status: 'EXPIRED', failureReason: 'Payment window closed before the payment succeeded' },
      },
      {
        cancellation,
        error: { Error: 'OrderCanceled' },
        expected: { outcome: 'CLOSED', status: 'CANCELED', failureReason: 'Cancelled by the customer' },
      },
      {
        cancellation,
        error: { Error: 'PaymentCanceled' },
        expected: { outcome: 'CLOSED', status: 'CANCELED', failureReason: 'PaymentIntent was canceled' },
      },
      {
        cancellation,
        error: { Error: 'PaymentAmountMismatch' },
        expected: {
          outcome: 'FAILED_BEFORE_PAYMENT',
          status: 'REJECTED',
          failureReason: 'Payment amount did not match the order',
        },
      },
      {
        cancellation,
        error: { Error: 'States.TaskFailed', Cause: 'stack trace' },
        expected: {
          outcome: 'FAILED_BEFORE_PAYMENT',
          status: 'REJECTED',
          failureReason: 'Checkout failed before payment: States.TaskFailed',
        },
      },
    ]),
  )('$cancellation.result after $error.Error -> $expected.outcome $expected.status', ({ cancellation, error, expected }) => {
    expect(planCompensation(order, compensationCause(error.Error), cancellation, error)).toEqual(expected);
  });

  describe('race rule: the PaymentIntent had already succeeded', () => {
    const CAUSES: CompensationCause[] = ['EXPIRED', 'CANCELED', 'FAILED'];

    test.each(CAUSES)('matching amount after %s -> PAYMENT_SUCCEEDED (the order goes forward)', (cause) => {
      expect(
        planCompensation(order, cause, { result: 'ALREADY_SUCCEEDED', amountReceived: 3000, currency: 'usd' }),
      ).toEqual({ outcome: 'PAYMENT_SUCCEEDED' });
    });

    test('the currency is compared without regard to case', () => {
      expect(
        planCompensation(order, 'EXPIRED', { result: 'ALREADY_SUCCEEDED', amountReceived: 3000, currency: 'USD' }),
      ).toEqual({ outcome: 'PAYMENT_SUCCEEDED' });
    });

    test.each(CAUSES)('another amount after %s -> NEEDS_ATTENTION naming both amounts', (cause) => {
      expect(
        planCompensation(order, cause, { result: 'ALREADY_SUCCEEDED', amountReceived: 2999, currency: 'usd' }),
      ).toEqual({
        outcome: 'NEEDS_ATTENTION',
        reason: 'Payment of 2999 usd does not match order total 3000 usd',
      });
    });

    test('another currency -> NEEDS_ATTENTION', () => {
      const plan = planCompensation(order, 'EXPIRED', {
        result: 'ALREADY_SUCCEEDED',
        amountReceived: 3000,
        currency: 'eur',
      });
      expect(plan.outcome).toBe('NEEDS_ATTENTION');
    });

    test('a payment the wait already called mismatched is never treated as paid', () => {
      expect(
        planCompensation(
          order,
          'PAYMENT_AMOUNT_MISMATCH',
          { result: 'ALREADY_SUCCEEDED', amountReceived: 3000, currency: 'usd' },
          { Error: 'PaymentAmountMismatch' },
        ),
      ).toEqual({ outcome: 'NEEDS_ATTENTION', reason: 'Payment succeeded but was flagged as mismatched' });
      expect(
        planCompensation(order, 'PAYMENT_AMOUNT_MISMATCH', {
          result: 'ALREADY_SUCCEEDED',
          amountReceived: 1,
          currency: 'usd',
        }).outcome,
      ).toBe('NEEDS_ATTENTION');
    });
  });
});
