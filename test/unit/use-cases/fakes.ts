/** Fakes of the adapters the use cases take as parameters: a jest.fn per operation, typed as the real one. */
import type { InventoryPort, MetricsPort, OpsAlertsPort, OrdersPort, PaymentsPort, QueuesPort, SagaPort } from '../../../src/use-cases/ports';

type Fake<T> = { [K in keyof T]: T[K] extends (...args: any[]) => any ? jest.MockedFunction<T[K]> : T[K] };

function fakeOf<T>(names: Array<keyof T>): Fake<T> {
  return Object.fromEntries(names.map((name) => [name, jest.fn()])) as unknown as Fake<T>;
}

export const fakeOrders = () =>
  fakeOf<Pick<OrdersPort, 'getOrder' | 'requireOrder' | 'updateOrder' | 'transitionOrder' | 'createOrder'>>(['getOrder', 'requireOrder', 'updateOrder', 'transitionOrder', 'createOrder']);
export const fakeInventory = () =>
  fakeOf<Pick<InventoryPort, 'reserveStock' | 'releaseStock' | 'getProduct' | 'getCatalogue' | 'applySkuChange'>>(['reserveStock', 'releaseStock', 'getProduct', 'getCatalogue', 'applySkuChange']);
export const fakePayments = () => fakeOf<Pick<PaymentsPort, 'createPaymentIntent' | 'cancelPaymentIntent' | 'currentPaymentState'>>(['createPaymentIntent', 'cancelPaymentIntent', 'currentPaymentState']);
export const fakeQueues = () => fakeOf<Pick<QueuesPort, 'sendFulfilmentRequest' | 'sendInventoryUpdate'>>(['sendFulfilmentRequest', 'sendInventoryUpdate']);
export const fakeSaga = () => fakeOf<Pick<SagaPort, 'startCheckoutExecution' | 'completePaymentWait' | 'failPaymentWait'>>(['startCheckoutExecution', 'completePaymentWait', 'failPaymentWait']);
export const fakeMetrics = () => fakeOf<MetricsPort>(['countEvent', 'recordDuration']);
export const fakeOpsAlerts = () => fakeOf<Pick<OpsAlertsPort, 'publishOpsAlert'>>(['publishOpsAlert']);
