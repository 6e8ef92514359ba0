import { ExpressionBuilder } from '../../../src/adapters/dynamodb-expressions';

describe('ExpressionBuilder', () => {
  test('SET uses a placeholder for every name and value (reserved words are safe)', () => {
    const expr = new ExpressionBuilder();
    expect(expr.update({ set: { status: 'PAID', updatedAt: '2030-01-01T00:00:00.000Z' } })).toBe(
      'SET #status = :v0, #updatedAt = :v1',
    );
    expect(expr.attributes()).toEqual({
      ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':v0': 'PAID', ':v1': '2030-01-01T00:00:00.000Z' },
    });
  });

  test('dotted keys address nested attributes, one placeholder per segment', () => {
    const expr = new ExpressionBuilder();
    expect(expr.update({ set: { 'payment.status': 'succeeded' } })).toBe('SET #payment.#status = :v0');
    expect(expr.names).toEqual({ '#payment': 'payment', '#status': 'status' });
  });

  test('undefined values are left out of SET (and take no value placeholder)', () => {
    const expr = new ExpressionBuilder();
    expect(expr.update({ set: { a: undefined, b: 0, c: null, d: false, e: '' } })).toBe(
      'SET #b = :v0, #c = :v1, #d = :v2, #e = :v3',
    );
    expect(expr.values).toEqual({ ':v0': 0, ':v1': null, ':v2': false, ':v3': '' });
    expect(expr.names).not.toHaveProperty('#a');
  });

  test('values are kept as given (objects and lists are not flattened)', () => {
    const expr = new ExpressionBuilder();
    const lastError = { code: 'card_declined', at: 'now' };
    expr.update({ set: { 'payment.lastError': lastError } });
    expect(expr.values[':v0']).toEqual(lastError);
  });

  test('append creates the list when missing', () => {
    const expr = new ExpressionBuilder();
    expect(expr.update({ append: { history: [{ status: 'PAID', at: 't' }] } })).toBe(
      'SET #history = list_append(if_not_exists(#history, :v0), :v1)',
    );
    expect(expr.values).toEqual({ ':v0': [], ':v1': [{ status: 'PAID', at: 't' }] });
  });

  test('SET, REMOVE and ADD clauses in one expression, appends joined with sets', () => {
    const expr = new ExpressionBuilder();
    const update = expr.update({
      set: { status: 'EXPIRED' },
      append: { history: [{ status: 'EXPIRED' }] },
      remove: ['taskToken', 'payment.clientSecret'],
      add: { resumeCount: 1 },
    });
    expect(update).toBe(
      'SET #status = :v0, #history = list_append(if_not_exists(#history, :v1), :v2) ' +
        'REMOVE #taskToken, #payment.#clientSecret ADD #resumeCount :v3',
    );
    expect(expr.names).toEqual({
      '#status': 'status',
      '#history': 'history',
      '#taskToken': 'taskToken',
      '#payment': 'payment',
      '#clientSecret': 'clientSecret',
      '#resumeCount': 'resumeCount',
    });
    expect(expr.values[':v3']).toBe(1);
  });

  test('only REMOVE, or only ADD', () => {
    expect(new ExpressionBuilder().update({ remove: ['taskToken'] })).toBe('REMOVE #taskToken');
    expect(new ExpressionBuilder().update({ add: { resumeCount: 2 } })).toBe('ADD #resumeCount :v0');
    expect(new ExpressionBuilder().update({ remove: [] })).toBe('');
  });

  test('in() lists one value placeholder per status and shares the name placeholder with the update', () => {
    const expr = new ExpressionBuilder();
    const update = expr.update({ set: { status: 'PAID' } });
    const condition = expr.in('status', ['AWAITING_PAYMENT', 'NEEDS_ATTENTION']);
    expect(update).toBe('SET #status = :v0');
    expect(condition).toBe('#status IN (:v1, :v2)');
    expect(expr.attributes()).toEqual({
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':v0': 'PAID', ':v1': 'AWAITING_PAYMENT', ':v2': 'NEEDS_ATTENTION' },
    });
  });

  test('value placeholders never repeat within one builder', () => {
    const expr = new ExpressionBuilder();
    const placeholders = [expr.value(1), expr.value(1), expr.value('x'), expr.value(undefined)];
    expect(new Set(placeholders).size).toBe(4);
  });

  test('attributes() leaves ExpressionAttributeValues out when there are none (DynamoDB refuses an empty map)', () => {
    const expr = new ExpressionBuilder();
    expr.update({ remove: ['taskToken'] });
    expect(expr.attributes()).toEqual({ ExpressionAttributeNames: { '#taskToken': 'taskToken' } });
    expect(expr.attributes()).not.toHaveProperty('ExpressionAttributeValues');
  });

  test('characters not allowed in a placeholder are replaced, the real name is kept', () => {
    const expr = new ExpressionBuilder();
    expect(expr.name('line-2')).toBe('#line_2');
    expect(expr.names['#line_2']).toBe('line-2');
  });

  // Regression (fixed): "line-2" and "line_2" shared a placeholder, so an update wrote the wrong attribute.
  test('two different names never share a placeholder', () => {
    const expr = new ExpressionBuilder();
    const update = expr.update({ set: { 'line-2': 'a', line_2: 'b' } });
    const [first, second] = update.replace('SET ', '').split(', ').map((clause) => clause.split(' = ')[0]);
    expect(first).not.toBe(second);
    expect(expr.names[first]).toBe('line-2');
    expect(expr.names[second]).toBe('line_2');
  });
});
