// failureTolerate is a decimal string ("0.1"); a job fails once
// failed / total is strictly greater. Compared exactly, in integers, so
// "0.29" with 29 of 100 failed is not over and "0.333333333333333333" with
// 1 of 3 failed is over (floating point says the opposite of both). The one
// rule for controllermanager (job phase) and cloudcore (whether to start
// more nodes): they must never disagree.
import { FAILURE_TOLERATE_PATTERN, nodeTaskDefaults } from '../resources/node-task-common.ts';

/** The tolerate as given when the schema accepts it, otherwise the default. */
export function effectiveFailureTolerate(tolerate: string | undefined): string {
  const text = tolerate ?? nodeTaskDefaults.failureTolerate;
  return FAILURE_TOLERATE_PATTERN.test(text) ? text : nodeTaskDefaults.failureTolerate;
}

/** failed / total > tolerate, exactly. A tolerate the schema would reject counts as the default. */
export function exceedsFailureTolerate(failed: number, total: number, tolerate: string | undefined): boolean {
  if (total <= 0 || failed <= 0) return false;
  const [whole = '', fraction = ''] = effectiveFailureTolerate(tolerate).split('.');
  const digits = `${whole}${fraction}`.replace(/^0+(?=.)/, '') || '0';
  // tolerate = digits / 10^fraction.length
  return BigInt(failed) * 10n ** BigInt(fraction.length) > BigInt(digits) * BigInt(total);
}
