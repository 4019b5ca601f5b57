import {
  CreateContactCommand,
  DeleteSuppressedDestinationCommand,
  GetSuppressedDestinationCommand,
  PutSuppressedDestinationCommand,
  SESv2Client,
  UpdateContactCommand,
  type TopicPreference,
} from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { statusFor } from '../core/preferences.js';
import type { SuppressionMessage } from '../distribution/fanout.js';
import { purposes } from '../platform/config.js';
import { awsClientOptions, awsClientSettings, awsReason, callPacer, throwIfTransient } from './aws.js';
import type { ChangeOutcome, ConnectorDefinition } from './connector.js';

/**
 * `ses`: Amazon SES (API v2) for the email channel. docs/connectors/ses.md.
 *
 * - The contact list: each mapped purpose is a topic; a change sets the contact's preference for
 *   every mapped topic (OPT_OUT where the purpose is suppressed, OPT_IN where it is allowed), and
 *   UnsubscribeAll when every purpose is suppressed. A contact not on the list is created for an
 *   opt-out (so SES's list management suppresses it) and left alone for an opt-in.
 * - The account-level suppression list, when `accountSuppressionList` is set: it blocks every
 *   email the account sends, so only an opt-out of every purpose goes there (Reason COMPLAINT:
 *   the list takes only BOUNCE or COMPLAINT, and the recipient's objection is a complaint, not an
 *   undeliverable address). An opt-in deletes the entry, unless SES put it there itself after a
 *   real bounce or complaint (an entry with a MessageId or FeedbackId): that one stays.
 */

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

const settings = z
  .object({
    /** The account's contact list (SES allows one per account and Region). */
    contactListName: z.string().regex(NAME, 'must be a contact list name (letters, digits, _ and -, at most 64)'),
    /** Purpose → topic of the contact list. */
    topics: z
      .record(z.string(), z.string().regex(NAME, 'must be a topic name (letters, digits, _ and -, at most 64)'))
      .default({})
      .refine((topics) => Object.keys(topics).length <= 20, 'an SES contact list has at most 20 topics')
      .superRefine((topics, context) => {
        const known = purposes();
        for (const purpose of Object.keys(topics)) {
          if (!known.includes(purpose))
            context.addIssue({ code: 'custom', message: `unknown purpose "${purpose}" (known: ${known.join(', ')})`, path: [purpose] });
        }
      }),
    /** Also put an opt-out of every purpose on the account-level suppression list. */
    accountSuppressionList: z.boolean().default(false),
    requestsPerSecond: z.number().positive().max(100).optional(),
    ...awsClientSettings,
  })
  .strict();

export type SesSettings = z.infer<typeof settings>;

const THROTTLING = ['TooManyRequestsException', 'ThrottlingException'];

/** Suppressed for every purpose: `all` and every purpose named. */
export function suppressedForEverything(message: Pick<SuppressionMessage, 'purposes'>): boolean {
  const statuses = Object.values(message.purposes);
  return message.purposes.all === 'suppressed' && statuses.every((status) => status === 'suppressed');
}

export function topicPreferences(message: Pick<SuppressionMessage, 'status' | 'purposes'>, topics: Record<string, string>): TopicPreference[] {
  return Object.entries(topics).map(([purpose, topic]) => ({
    TopicName: topic,
    SubscriptionStatus: statusFor(message, purpose) === 'suppressed' ? 'OPT_OUT' : 'OPT_IN',
  }));
}

const named = (error: unknown, name: string) => (error as { name?: string } | undefined)?.name === name;

export const sesConnector: ConnectorDefinition<SesSettings> = {
  kind: 'ses',
  channels: ['email'],
  settings,
  // The contact and suppression-list operations take one address per call.
  batchSize: 1,
  // SES publishes no rate for these operations; it answers 429 TooManyRequestsException when
  // called too fast, which the runtime backs off from. Settings may raise or lower this.
  requestsPerSecond: 10,
  runsFunction: true,
  awsPermissions: ({ contactListName, accountSuppressionList, region }) => [
    {
      actions: ['ses:UpdateContact', 'ses:CreateContact'],
      resources: [`arn:aws:ses:${region ?? '*'}:*:contact-list/${contactListName}`],
    },
    ...(accountSuppressionList
      ? [
          {
            // The account-level suppression list is not a resource SES can scope a policy to.
            actions: ['ses:PutSuppressedDestination', 'ses:GetSuppressedDestination', 'ses:DeleteSuppressedDestination'],
            resources: ['*'],
          },
        ]
      : []),
  ],
  create({ settings: { contactListName, topics, accountSuppressionList, region, endpoint, requestsPerSecond } }) {
    const ses = new SESv2Client(awsClientOptions({ region, endpoint }));
    // A change takes one to three calls; the rate is SES's, so the calls are paced, not only the changes.
    const pace = callPacer(requestsPerSecond ?? sesConnector.requestsPerSecond);

    async function setContact(message: SuppressionMessage): Promise<ChangeOutcome | undefined> {
      const preferences = topicPreferences(message, topics);
      const unsubscribeAll = suppressedForEverything(message);
      try {
        await pace();
        await ses.send(
          new UpdateContactCommand({
            ContactListName: contactListName,
            EmailAddress: message.address,
            TopicPreferences: preferences,
            UnsubscribeAll: unsubscribeAll,
          }),
        );
        return undefined;
      } catch (error) {
        const failure = throwIfTransient(error, THROTTLING);
        if (!named(failure, 'NotFoundException')) return refusalOf(failure);
      }
      // Not on the list: an opt-in has nothing to lift; an opt-out adds the contact, opted out.
      if (message.status === 'allowed') return undefined;
      try {
        await pace();
        await ses.send(
          new CreateContactCommand({
            ContactListName: contactListName,
            EmailAddress: message.address,
            TopicPreferences: preferences,
            UnsubscribeAll: unsubscribeAll,
          }),
        );
        return undefined;
      } catch (error) {
        const failure = throwIfTransient(error, THROTTLING);
        // Created meanwhile (another change of the same address): the next delivery updates it.
        if (named(failure, 'AlreadyExistsException')) return { outcome: 'retry', reason: awsReason(failure) };
        // The list or a topic does not exist: a setup problem, not this address's; retried until fixed.
        if (named(failure, 'NotFoundException')) return { outcome: 'retry', reason: awsReason(failure) };
        return refusalOf(failure);
      }
    }

    async function setAccountSuppression(message: SuppressionMessage): Promise<ChangeOutcome | undefined> {
      if (suppressedForEverything(message)) {
        try {
          await pace();
          await ses.send(new PutSuppressedDestinationCommand({ EmailAddress: message.address, Reason: 'COMPLAINT' }));
          return undefined;
        } catch (error) {
          return refusalOf(throwIfTransient(error, THROTTLING));
        }
      }
      try {
        await pace();
        const { SuppressedDestination: entry } = await ses.send(new GetSuppressedDestinationCommand({ EmailAddress: message.address }));
        // SES's own entry after a real bounce or complaint names the message behind it: keep it.
        if (entry?.Attributes?.MessageId || entry?.Attributes?.FeedbackId) return undefined;
        await pace();
        await ses.send(new DeleteSuppressedDestinationCommand({ EmailAddress: message.address }));
        return undefined;
      } catch (error) {
        const failure = throwIfTransient(error, THROTTLING);
        if (named(failure, 'NotFoundException')) return undefined;
        return refusalOf(failure);
      }
    }

    return {
      async apply(changes) {
        const outcomes: ChangeOutcome[] = [];
        for (const message of changes) {
          const outcome = (await setContact(message)) ?? (accountSuppressionList ? await setAccountSuppression(message) : undefined);
          outcomes.push(outcome ?? { outcome: 'applied' });
        }
        return outcomes;
      },
    };
  },
};

/** BadRequestException is SES refusing the address itself; anything else is retried. */
function refusalOf(failure: ReturnType<typeof throwIfTransient>): ChangeOutcome {
  return named(failure, 'BadRequestException') ? { outcome: 'refused', reason: awsReason(failure) } : { outcome: 'retry', reason: awsReason(failure) };
}
