import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStoreBase } from '@aws/lambda-invoke-store';

type Context = Record<string | symbol, unknown>;

/**
 * The Lambda runtime's per-invocation store, multi-concurrency flavour: one process serves
 * concurrent invocations here, as in Lambda's multi-concurrency mode, and Powertools reads
 * `globalThis.awslambda.InvokeStore` to keep each invocation's log keys and context apart.
 * Built here rather than with InvokeStore.getInstanceAsync(true) because that returns whatever
 * instance an earlier caller (the AWS SDK, in this process) already created: a single-context one.
 */
class LocalInvokeStore extends InvokeStoreBase {
  private readonly als = new AsyncLocalStorage<Context>();
  getContext() {
    return this.als.getStore();
  }
  hasContext() {
    return this.als.getStore() !== undefined;
  }
  get<T = unknown>(key: string | symbol): T | undefined {
    return this.als.getStore()?.[key] as T | undefined;
  }
  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const store = this.als.getStore();
    if (!store) throw new Error('No context available');
    store[key] = value;
  }
  run<T>(context: Context, fn: () => T): T {
    return this.als.run({ ...context }, fn);
  }
}

export function installInvokeStore(): InvokeStoreBase {
  const lambdaGlobal = ((globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda ??= {});
  if (!(lambdaGlobal.InvokeStore instanceof LocalInvokeStore)) lambdaGlobal.InvokeStore = new LocalInvokeStore();
  return lambdaGlobal.InvokeStore;
}

export const REQUEST_ID_KEY = InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID;

/** Which function an invocation runs (serverless.yml key): local/iam checks its SDK calls against that function's role. */
export const FUNCTION_KEY = 'local.functionKey';

/** The function key of the invocation the current async context belongs to, if any. */
export function currentFunctionKey(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda?.InvokeStore;
  return store?.hasContext() ? store.get<string>(FUNCTION_KEY) : undefined;
}
