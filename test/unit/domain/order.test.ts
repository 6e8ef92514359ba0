import { NEEDS_ATTENTION_CUSTOMER_MESSAGE, toOrderView } from '../../../src/domain/order';
import { anOrder } from '../fixtures/orders';

describe('toOrderView', () => {
  test("the card's last error is shown, so the customer knows why the payment did not go through", () => {
    const lastError = { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', at: 't1' };
    expect(toOrderView(anOrder({ payment: { paymentIntentId: 'pi_1', lastError } })).payment.lastError).toEqual(lastError);
  });

  test('no last error reads null', () => {
    expect(toOrderView(anOrder({ payment: { paymentIntentId: 'pi_1' } })).payment.lastError).toBeNull();
  });
});

describe('the message a customer sees for a NEEDS_ATTENTION order', () => {
  test('says the payment was received, and nothing technical', () => {
    expect(NEEDS_ATTENTION_CUSTOMER_MESSAGE).toMatch(/^Your payment was received/);
    expect(NEEDS_ATTENTION_CUSTOMER_MESSAGE).not.toMatch(/error|exception|step|stack/i);
  });
});
