/**
 * Business days as the TCPA (47 CFR 64.1200) and CAN-SPAM count them for honouring an opt-out:
 * Monday to Friday. Public holidays are not skipped, which can only make the deadline earlier
 * (stricter), never later.
 */
export function addBusinessDays(from: Date, days: number): Date {
  const result = new Date(from.getTime());
  let added = 0;
  while (added < days) {
    result.setUTCDate(result.getUTCDate() + 1);
    const weekday = result.getUTCDay();
    if (weekday !== 0 && weekday !== 6) added++;
  }
  return result;
}

/** 47 CFR 64.1200(a)(10) and (d)(3): a revocation is honoured within 10 business days. */
export const REGULATORY_BUSINESS_DAYS = 10;
