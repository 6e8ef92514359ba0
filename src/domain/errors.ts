/**
 * Errors the domain raises. Their `name` is the contract with Step Functions, which routes on it
 * (Retry/Catch `ErrorEquals`, checked against the ASL by a test); the HTTP layer maps them by class.
 * `options.cause` keeps the error that led to this one (e.g. DynamoDB's refused condition).
 */
export class DomainError extends Error {
  constructor(name: string, message: string, readonly details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = name;
  }
}

/** A line's stock is short; the order is REJECTED, nothing is reserved. */
export class OutOfStock extends DomainError {
  constructor(readonly sku: string, requested: number, available: number | undefined, options?: ErrorOptions) {
    super(
      'OutOfStock',
      `Not enough stock for ${sku}: requested ${requested}, available ${available ?? 0}`,
      { sku, requested, available: available ?? 0 },
      options,
    );
  }
}

/** The order is not in a status that allows what was asked. */
export class InvalidOrderState extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super('InvalidOrderState', message, details, options);
  }
}

/** The customer cancelled before paying; the saga compensates. */
export class OrderCanceled extends DomainError {
  constructor(orderId: string) {
    super('OrderCanceled', `Order ${orderId} was cancelled by the customer`);
  }
}

export class UnknownSku extends DomainError {
  constructor(readonly skus: string[]) {
    super('UnknownSku', `Unknown SKU: ${skus.join(', ')}`, { skus });
  }
}

export class UnsupportedCountry extends DomainError {
  constructor(readonly country: string) {
    super('UnsupportedCountry', `We do not ship to ${country}`, { country });
  }
}

export class InvalidCart extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('InvalidCart', message, details);
  }
}
