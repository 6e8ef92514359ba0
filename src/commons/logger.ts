import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'checkout-saga' });

/**
 * Wraps a Lambda handler: Lambda context on every log line, keys added during the invocation
 * (the order id) dropped afterwards so they never leak into the next one.
 */
export function withLogging<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return async (event: E, context: Context): Promise<R> => {
    logger.addContext(context);
    try {
      return await handler(event, context);
    } finally {
      logger.resetKeys();
    }
  };
}

export function logOrder(orderId: string): void {
  logger.appendKeys({ orderId });
}
