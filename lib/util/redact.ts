/** Masking secrets in data that is about to be shown. Pure. */
import { redactUrl } from '../db/connection.js';

const secretKeys = /^(password|passwd|pgpassword|secret|token)$/i;

/** Deep copy of `value` with password-like keys masked and URL passwords replaced by ***. */
export function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretKeys.test(k) && v !== undefined ? '***' : redact(v)]));
  }
  return value;
}
