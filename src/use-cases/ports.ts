/**
 * What the use cases need of the outside world, as the adapters' own signatures. Use cases take
 * these as parameters (`createX(deps)`), so that a test passes plain objects instead of mocking
 * module paths, and each handler (the composition root) wires the real adapters it loads.
 * Type-only imports: nothing here loads an adapter or an SDK.
 */
import type * as inventoryRepository from '../adapters/inventory-repository';
import type * as metrics from '../adapters/metrics';
import type * as opsAlerts from '../adapters/ops-alerts';
import type * as ordersRepository from '../adapters/orders-repository';
import type * as payments from '../adapters/payments';
import type * as queues from '../adapters/queues';
import type * as saga from '../adapters/saga';
import type * as secrets from '../adapters/secrets';

export type OrdersPort = typeof ordersRepository;
export type InventoryPort = typeof inventoryRepository;
export type PaymentsPort = typeof payments;
export type QueuesPort = typeof queues;
export type SagaPort = typeof saga;
export type OpsAlertsPort = typeof opsAlerts;
export type SecretsPort = typeof secrets;
export type MetricsPort = typeof metrics;
