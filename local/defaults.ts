/**
 * The local cloud's defaults: each is overridable by the environment variable of the same role,
 * documented in the README. Nothing here is a real secret: they only open the local stand-ins.
 */
export const LOCAL_DEFAULTS = {
  port: 3000,
  stripeEmulatorPort: 12111,
  stripeSecretKey: 'sk_test_local_checkout_saga_emulator',
  stripeWebhookSecret: 'whsec_local_checkout_saga_development_secret',
  adminApiKey: 'local-admin-key',
  /** 15 minutes, as deployed; tests use a few seconds. */
  paymentWindowSeconds: 900,
  demoSku: 'TSHIRT-BLUE-M',
};
