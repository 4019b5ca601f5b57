/**
 * The channels a person can be contacted on, and the purposes every deployment knows. The domain
 * speaks in these; the deployment manifest (platform/resources.ts) derives a queue per channel.
 */

export const channels = ['sms', 'email', 'voice', 'mail'] as const;
export type Channel = (typeof channels)[number];

export function isChannel(value: string): value is Channel {
  return (channels as readonly string[]).includes(value);
}

/** `all` covers every purpose; `marketing` every promotional topic. Deployments add topics in PURPOSES. */
export const ALL_PURPOSES = 'all';
export const MARKETING = 'marketing';
export const builtInPurposes = [ALL_PURPOSES, MARKETING] as const;
