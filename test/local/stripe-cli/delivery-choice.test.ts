import { checkRealStripeKey, chooseWebhookDelivery, StripeSetupError } from '../../../local/stripe-cli/delivery-choice';

const base = { realStripeKey: undefined, requested: undefined, explicitWebhookSecret: undefined, cliFound: true };

describe('how webhooks reach the local cloud', () => {
  test('emulator: endpoint by default, listen when asked', () => {
    expect(chooseWebhookDelivery(base)).toEqual({ delivery: 'endpoint', notes: [] });
    expect(chooseWebhookDelivery({ ...base, requested: '' })).toEqual({ delivery: 'endpoint', notes: [] });
    expect(chooseWebhookDelivery({ ...base, requested: 'listen' })).toEqual({ delivery: 'listen', notes: [] });
  });

  test('emulator without a CLI: says how to install it and falls back to endpoint delivery', () => {
    const choice = chooseWebhookDelivery({ ...base, requested: 'listen', cliFound: false });
    expect(choice.delivery).toBe('endpoint');
    expect(choice.notes.join(' ')).toMatch(/Stripe CLI was not found.*npm ci.*PATH.*Falling back/s);
  });

  test('real Stripe: listen by default; without a CLI only with a secret of your own', () => {
    const real = { ...base, realStripeKey: 'sk_test_abc123456789' };
    expect(chooseWebhookDelivery(real)).toEqual({ delivery: 'listen', notes: [] });
    expect(() => chooseWebhookDelivery({ ...real, cliFound: false })).toThrow(/Stripe CLI was not found.*STRIPE_WEBHOOK_SECRET/s);
    expect(chooseWebhookDelivery({ ...real, cliFound: false, explicitWebhookSecret: 'whsec_mine' }).delivery).toBe('endpoint');
    expect(() => chooseWebhookDelivery({ ...real, requested: 'endpoint' })).toThrow(StripeSetupError);
    expect(chooseWebhookDelivery({ ...real, requested: 'endpoint', explicitWebhookSecret: 'whsec_mine' }).delivery).toBe('endpoint');
  });

  test('an unknown mode is refused', () => {
    expect(() => chooseWebhookDelivery({ ...base, requested: 'webhook' })).toThrow(/'endpoint' or 'listen'/);
  });
});

test('keys: live ones and non-secret keys are refused, test secret and restricted keys pass', () => {
  expect(() => checkRealStripeKey('sk_live_abcdefgh1234')).toThrow(/LIVE key/);
  expect(() => checkRealStripeKey('rk_live_abcdefgh1234')).toThrow(/LIVE key/);
  expect(() => checkRealStripeKey('pk_test_abcdefgh1234')).toThrow(/sk_test_/);
  expect(() => checkRealStripeKey('sk_test_abcdefgh1234')).not.toThrow();
  expect(() => checkRealStripeKey('rk_test_abcdefgh1234')).not.toThrow();
});
