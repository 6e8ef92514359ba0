import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertSubject, RUNBOOK, type OpsAlert } from '../../../src/domain/ops-alert';

const alert = (overrides: Partial<OpsAlert> = {}): OpsAlert => ({
  type: 'ORDER_NEEDS_ATTENTION',
  orderId: 'ord_AAAAAAAAAAAAAAAAAAAAAA',
  step: 'FulfillOrder',
  error: 'States.TaskFailed',
  reason: 'queue unavailable',
  at: '2030-01-01T00:00:00.000Z',
  runbook: RUNBOOK,
  ...overrides,
});

/** GitHub's anchor for a markdown heading: lower case, spaces to dashes, punctuation dropped. */
const anchorOf = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9_ -]/g, '').replace(/ /g, '-');

describe('ops alert', () => {
  test('the subject names the order and the step', () => {
    expect(alertSubject(alert())).toBe('[checkout-saga] ord_AAAAAAAAAAAAAAAAAAAAAA needs attention: FulfillOrder');
  });

  test('the subject is cut to the 100 characters SNS accepts', () => {
    const subject = alertSubject(alert({ step: 'S'.repeat(200) }));
    expect(subject).toHaveLength(100);
    expect(subject.startsWith('[checkout-saga] ord_AAAAAAAAAAAAAAAAAAAAAA needs attention: SSS')).toBe(true);
  });

  test('the runbook link points at a section of docs/operations.md', () => {
    const [file, anchor] = RUNBOOK.split('#');
    const headings = readFileSync(join(__dirname, '../../..', file), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) => anchorOf(line.replace(/^#+\s*/, '')));
    expect(headings).toContain(anchor);
  });
});
