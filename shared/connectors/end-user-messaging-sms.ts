import { DeleteOptedOutNumberCommand, PinpointSMSVoiceV2Client, PutOptedOutNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { z } from 'zod';
import { statusFor } from '../core/preferences.js';
import { purposes } from '../platform/config.js';
import { awsClientOptions, awsClientSettings, awsReason, throwIfTransient, type AwsError } from './aws.js';
import type { ChangeOutcome, ConnectorDefinition } from './connector.js';

/**
 * `end-user-messaging-sms`: an opt-out list of AWS End User Messaging SMS (the SMS and Voice v2
 * API) for the sms channel. docs/connectors/end-user-messaging-sms.md.
 *
 * A number suppressed (for `purpose` when set, for any purpose otherwise) is put on the list with
 * PutOptedOutNumber; AWS then refuses to send to it from every phone number and pool that uses the
 * list. A number allowed again is deleted from it with DeleteOptedOutNumber. AWS allows that once
 * per number every 30 days: a second deletion within them is refused by AWS, and recorded as
 * refused (the number stays opted out at AWS until the person texts the opt-in keyword).
 */

const OPT_OUT_LIST = /^[A-Za-z0-9_:/-]{1,256}$/;

const settings = z
  .object({
    /** The opt-out list's name, or its ARN (required for a list shared from another account). */
    optOutListName: z.string().regex(OPT_OUT_LIST, 'must be an opt-out list name or ARN'),
    /** The purpose the list stands for (a list attached to marketing numbers: `marketing`); any purpose when omitted. */
    purpose: z
      .string()
      .refine((purpose) => purposes().includes(purpose), 'must be a declared purpose')
      .optional(),
    requestsPerSecond: z.number().positive().max(100).optional(),
    ...awsClientSettings,
  })
  .strict();

export type EndUserMessagingSmsSettings = z.infer<typeof settings>;

const THROTTLING = ['ThrottlingException'];

interface SmsError extends AwsError {
  Reason?: string;
  ResourceType?: string;
}

/**
 * ValidationException is AWS refusing this number (unparseable, or not deletable yet); so is a
 * ConflictException on a deletion (the reference does not name the error of the 30-day rule, and
 * a conflict over this number will not clear by retrying). Anything else is retried.
 */
function outcomeOf(failure: SmsError, deleting: boolean): ChangeOutcome {
  if (failure.name === 'ValidationException' || (deleting && failure.name === 'ConflictException')) {
    return { outcome: 'refused', reason: `${awsReason(failure)}${failure.Reason ? ` (${failure.Reason})` : ''}` };
  }
  return { outcome: 'retry', reason: awsReason(failure) };
}

/** The list's ARN, or arn:aws:sms-voice:REGION:*:opt-out-list/NAME for a name. */
export function optOutListArn({ optOutListName, region }: Pick<EndUserMessagingSmsSettings, 'optOutListName' | 'region'>): string {
  return optOutListName.startsWith('arn:') ? optOutListName : `arn:aws:sms-voice:${region ?? '*'}:*:opt-out-list/${optOutListName}`;
}

export const endUserMessagingSmsConnector: ConnectorDefinition<EndUserMessagingSmsSettings> = {
  kind: 'end-user-messaging-sms',
  channels: ['sms'],
  settings,
  // One number per PutOptedOutNumber / DeleteOptedOutNumber call: the API has no batch form.
  batchSize: 1,
  // The service's quota page: DeleteOptedOutNumber 10 requests per second by default (adjustable).
  requestsPerSecond: 10,
  runsFunction: true,
  awsPermissions: (settings) => [{ actions: ['sms-voice:PutOptedOutNumber', 'sms-voice:DeleteOptedOutNumber'], resources: [optOutListArn(settings)] }],
  create({ settings: { optOutListName, purpose, region, endpoint } }) {
    const sms = new PinpointSMSVoiceV2Client(awsClientOptions({ region, endpoint }));
    return {
      async apply(changes) {
        const outcomes: ChangeOutcome[] = [];
        for (const message of changes) {
          const request = { OptOutListName: optOutListName, OptedOutNumber: message.address };
          const suppressed = statusFor(message, purpose) === 'suppressed';
          try {
            await sms.send(suppressed ? new PutOptedOutNumberCommand(request) : new DeleteOptedOutNumberCommand(request));
            outcomes.push({ outcome: 'applied' });
          } catch (error) {
            const failure = throwIfTransient(error, THROTTLING) as SmsError;
            // Not on the list: nothing to lift.
            if (!suppressed && failure.name === 'ResourceNotFoundException' && failure.ResourceType === 'opted-out-number') {
              outcomes.push({ outcome: 'applied' });
            } else {
              outcomes.push(outcomeOf(failure, !suppressed));
            }
          }
        }
        return outcomes;
      },
    };
  },
};
