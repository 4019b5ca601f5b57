/**
 * AWS's request throttling model: a bucket of `rate` tokens refilled at `rate` per second; a
 * request that finds it empty is throttled. A caller paced at the rate is never throttled, and a
 * burst above it is.
 */
export function tokenBucket(rate: number, now: () => number = Date.now): () => boolean {
  let tokens = rate;
  let at = now();
  return () => {
    const time = now();
    tokens = Math.min(rate, tokens + ((time - at) / 1000) * rate);
    at = time;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
