import { stripeHostOptions } from '../../../src/adapters/payments';

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
