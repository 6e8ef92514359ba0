import Stripe from 'stripe';
import { stripeHostOptions, withRateLimitRetry } from '../../../src/adapters/payments';

describe('withRateLimitRetry: Stripe 429 rate_limit, which the SDK does not retry', () => {
  const rateLimited = () => new Stripe.errors.StripeRateLimitError({ type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded.' } as any);
  const failing = (errors: Error[], result = 'ok') => jest.fn(async () => {
    const error = errors.shift();
    if (error) throw error;
    return result;
  });

  test('retried with backoff until it goes through', async () => {
    const call = failing([rateLimited(), rateLimited()]);
    await expect(withRateLimitRetry(call, [0, 0, 0])).resolves.toBe('ok');
    expect(call).toHaveBeenCalledTimes(3);
  });

  test('given up after its delays: the 429 reaches the caller (the saga retries the step)', async () => {
    const call = failing([rateLimited(), rateLimited(), rateLimited()]);
    await expect(withRateLimitRetry(call, [0, 0])).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(call).toHaveBeenCalledTimes(3);
  });

  test('other errors, and lock_timeout (the SDK retries it itself), are not retried here', async () => {
    const lockTimeout = new Stripe.errors.StripeRateLimitError({ type: 'invalid_request_error', code: 'lock_timeout', message: 'locked' } as any);
    const card = new Stripe.errors.StripeCardError({ type: 'card_error', code: 'card_declined', message: 'declined' } as any);
    for (const error of [lockTimeout, card]) {
      const call = failing([error]);
      await expect(withRateLimitRetry(call, [0, 0])).rejects.toBe(error);
      expect(call).toHaveBeenCalledTimes(1);
    }
  });
});

describe('stripeHostOptions', () => {
  test('empty: Stripe\'s own host (nothing overridden)', () => {
    expect(stripeHostOptions('')).toEqual({});
  });

  test.each([
    ['http://127.0.0.1:12111', { host: '127.0.0.1', port: 12111, protocol: 'http' }],
    ['http://localhost:4242/', { host: 'localhost', port: 4242, protocol: 'http' }],
    ['http://stripe-emulator', { host: 'stripe-emulator', port: 80, protocol: 'http' }],
    ['https://api.example.test', { host: 'api.example.test', port: 443, protocol: 'https' }],
    ['https://api.example.test:8443', { host: 'api.example.test', port: 8443, protocol: 'https' }],
  ])('%s', (apiBase, expected) => {
    expect(stripeHostOptions(apiBase)).toEqual(expected);
  });

  test('the port is a number, as the Stripe client expects', () => {
    expect(typeof stripeHostOptions('http://127.0.0.1:9').port).toBe('number');
  });

  test('a value that is not a URL is refused rather than guessed', () => {
    expect(() => stripeHostOptions('127.0.0.1:12111/no-scheme')).toThrow();
    expect(() => stripeHostOptions('not a url')).toThrow();
  });
});
