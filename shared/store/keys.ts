import type { Channel } from '../resources.js';

/** Key layout of both tables, in one place. */
export const keys = {
  event: (eventId: string) => ({ pk: `EVENT#${eventId}`, sk: 'EVENT' }),
  channelState: (channel: Channel, address: string, purpose: string) => ({
    pk: `SUBJECT#${channel}#${address}`,
    sk: `STATE#${channel}#${purpose}`,
  }),
  suppression: (channel: Channel, address: string) => ({ pk: `${channel}#${address}` }),
};
