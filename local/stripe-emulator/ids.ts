import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

/** Ids shaped like Stripe's (`pi_3P...`, 24 characters after the prefix). */
export function newId(prefix: 'pi' | 'ch' | 'pm' | 'evt' | 'req' | 'whdel' | 'src' | 'we' | 'wc' | 'cliws'): string {
  return `${prefix}_${randomToken(prefix === 'req' ? 14 : 24)}`;
}

export function unixSeconds(now = Date.now()): number {
  return Math.floor(now / 1000);
}
