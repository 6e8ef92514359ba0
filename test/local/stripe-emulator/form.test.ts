import { ParamReader, canonicalParams, decodeForm } from '../../../local/stripe-emulator/form';
import { StripeApiError } from '../../../local/stripe-emulator/errors';

describe('decodeForm', () => {
  it('builds nested hashes and arrays from bracketed keys', () => {
    const params = decodeForm('metadata[orderId]=o%2F1&items[0][price]=p1&items[1][price]=p2&items[1][quantity]=2&expand[]=a&expand[]=b&name=Jenny+Rosen');
    expect(params).toEqual({
      metadata: { orderId: 'o/1' },
      items: { 0: { price: 'p1' }, 1: { price: 'p2', quantity: '2' } },
      expand: { 0: 'a', 1: 'b' },
      name: 'Jenny Rosen',
    });
    expect(new ParamReader(params).stringArray('expand')).toEqual(['a', 'b']);
  });

  it('keeps numeric-looking metadata keys as keys', () => {
    const reader = new ParamReader(decodeForm('metadata[0]=zero&metadata[10]=ten'));
    expect(reader.object('metadata')?.params).toEqual({ 0: 'zero', 10: 'ten' });
  });

  it('orders indexed arrays by index, not by arrival', () => {
    expect(new ParamReader(decodeForm('x[10]=c&x[2]=b&x[0]=a')).stringArray('x')).toEqual(['a', 'b', 'c']);
  });

  it('refuses a key given both as a value and as a hash', () => {
    expect(() => decodeForm('shipping=x&shipping[name]=y')).toThrow(StripeApiError);
    expect(() => decodeForm('shipping[name]=y&shipping=x')).toThrow(StripeApiError);
  });

  it('treats an empty value as "unset", which a later hash may replace', () => {
    expect(decodeForm('metadata=&metadata[a]=1')).toEqual({ metadata: { a: '1' } });
    expect(new ParamReader(decodeForm('metadata=')).object('metadata')).toBeNull();
  });
});

describe('ParamReader', () => {
  it('reads typed values with Stripe error codes', () => {
    const reader = new ParamReader(decodeForm('amount=12x&confirm=yes&nested[deep]=1'));
    expect(() => reader.integer('amount')).toThrow(expect.objectContaining({ body: expect.objectContaining({ code: 'parameter_invalid_integer', param: 'amount' }) }));
    expect(() => reader.boolean('confirm')).toThrow(/Invalid boolean: yes/);
    expect(() => reader.requiredString('missing')).toThrow(expect.objectContaining({ body: expect.objectContaining({ code: 'parameter_missing' }) }));
    expect(() => reader.rejectUnknown(['amount', 'confirm'])).toThrow(expect.objectContaining({ body: expect.objectContaining({ param: 'nested' }) }));
    expect(() => reader.object('nested')!.rejectUnknown([])).toThrow(/Received unknown parameter: nested\[deep\]/);
  });
});

describe('canonicalParams', () => {
  it('does not depend on parameter order but does on values', () => {
    expect(canonicalParams(decodeForm('a=1&m[x]=1&m[y]=2'))).toBe(canonicalParams(decodeForm('m[y]=2&a=1&m[x]=1')));
    expect(canonicalParams(decodeForm('a=1'))).not.toBe(canonicalParams(decodeForm('a=2')));
  });
});
