// failureTolerate is a decimal string ("0.1"); a job fails once
// failed / total is strictly greater. Compared exactly, in integers, so
// "0.29" with 29 of 100 failed is not over (floating point would say it is).
import { FAILURE_TOLERATE_PATTERN, nodeTaskDefaults } from '@kedge/api';

/** failed / total > tolerate, exactly. A tolerate the schema would reject counts as the default. */
export function exceedsFailureTolerate(failed: number, total: number, tolerate: string | undefined): boolean {
  if (total <= 0 || failed <= 0) return false;
  let text = tolerate ?? nodeTaskDefaults.failureTolerate;
  if (!FAILURE_TOLERATE_PATTERN.test(text)) text = nodeTaskDefaults.failureTolerate;
  const [whole = '', fraction = ''] = text.split('.');
  const digits = `${whole}${fraction}`.replace(/^0+(?=.)/, '') || '0';
  // tolerate = digits / 10^fraction.length
  return BigInt(failed) * 10n ** BigInt(fraction.length) > BigInt(digits) * BigInt(total);
}
