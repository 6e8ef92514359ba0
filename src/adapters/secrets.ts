import { getParameter } from '@aws-lambda-powertools/parameters/ssm';

/**
 * Secrets come from SSM Parameter Store (SecureString, cached 5 minutes). An environment variable
 * of the secret's own name overrides it, for the local cloud and development.
 */
const SECRETS = {
  stripeSecretKey: { env: 'STRIPE_SECRET_KEY', parameterEnv: 'STRIPE_SECRET_KEY_PARAMETER' },
  stripeWebhookSecret: { env: 'STRIPE_WEBHOOK_SECRET', parameterEnv: 'STRIPE_WEBHOOK_SECRET_PARAMETER' },
  adminApiKey: { env: 'ADMIN_API_KEY', parameterEnv: 'ADMIN_API_KEY_PARAMETER' },
  slackWebhookUrl: { env: 'SLACK_WEBHOOK_URL', parameterEnv: 'SLACK_WEBHOOK_URL_PARAMETER' },
} as const;
export type SecretName = keyof typeof SECRETS;

const CACHE_SECONDS = 300;

export async function getSecret(name: SecretName): Promise<string | undefined> {
  const { env, parameterEnv } = SECRETS[name];
  const override = process.env[env];
  if (override) return override;
  const parameterName = process.env[parameterEnv];
  if (!parameterName) return undefined;
  return getParameter(parameterName, { decrypt: true, maxAge: CACHE_SECONDS });
}

export async function requireSecret(name: SecretName): Promise<string> {
  const value = await getSecret(name);
  if (!value) throw new Error(`Secret ${name} is not configured`);
  return value;
}
