import type { HistoryAnswer, PersonAnswer } from '../shared/api/schemas.js';
import { channelSlas, defaultPhoneRegion, expectedIntegrations } from '../shared/platform/config.js';
import { BadRequestError, NotFoundError } from '../shared/core/errors.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { pathParameter } from '../shared/http/request.js';
import { MAX_PERSON_ID_LENGTH, normalizeIdentity, type IdentityType } from '../shared/core/identity.js';
import { keyText } from '../shared/core/text.js';
import { describePerson } from '../shared/record/people.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { findPerson, getPerson, personHistory, type StoredPerson } from '../shared/store/people.js';
import { readTrace } from '../shared/audit/trace.js';
import { distributionOf } from '../shared/audit/acks.js';

const store = storeFromEnvironment();

const lookups: IdentityType[] = ['phone', 'email', 'externalId'];

async function person(raw: string): Promise<StoredPerson> {
  const id = keyText('id', raw, MAX_PERSON_ID_LENGTH);
  const found = await getPerson(store, id);
  if (!found) throw new NotFoundError(`No person ${id}.`);
  return found;
}

/** The person, each suppression with its current version and where every integration of its channel stands with it. */
async function withDistribution(found: StoredPerson) {
  const described = describePerson(found);
  const distribution = await distributionOf(store, described.suppressions, expectedIntegrations);
  const byAddress = new Map(distribution.map((entry) => [`${entry.channel}#${entry.address}`, entry]));
  return {
    ...described,
    suppressions: described.suppressions.map((suppression) => {
      const { channel: _channel, address: _address, ...where } = byAddress.get(`${suppression.channel}#${suppression.address}`) ?? { integrations: [] };
      return { ...suppression, ...where };
    }),
  };
}

/**
 * GET /v1/people/{id}, GET /v1/people?phone=…|email=…|externalId=…, GET /v1/people/{id}/history:
 * what compliance and audit read. A merged person's id leads to the person they were merged into.
 */
export const handler = httpHandler(async (event) => {
  switch (event.routeKey) {
    case 'GET /v1/people/{id}/history': {
      const found = await person(pathParameter(event, 'id'));
      // Each event with, per channel and address, when it was enqueued and acked and whether
      // the target and deadline were met (shared/audit/trace.ts; docs/acks-sla-audit.md).
      const history = await personHistory(store, found);
      const trace = await readTrace(store, found, { policy: channelSlas(), expected: expectedIntegrations, history });
      const distribution = new Map(trace.events.map((traced) => [traced.eventId, traced.distribution]));
      const events = history.map((entry) => ({ ...entry, distribution: distribution.get(entry.eventId) ?? [] }));
      return jsonResponse(200, { personId: found.personId, events } satisfies HistoryAnswer);
    }
    case 'GET /v1/people/{id}':
      return jsonResponse(200, (await withDistribution(await person(pathParameter(event, 'id')))) satisfies PersonAnswer);
    default: {
      const query = event.queryStringParameters ?? {};
      const given = lookups.filter((type) => query[type] !== undefined);
      if (given.length !== 1) throw new BadRequestError('Find a person by exactly one of phone, email or externalId.');
      const found = await findPerson(store, normalizeIdentity(given[0]!, query[given[0]!], defaultPhoneRegion()));
      if (!found) throw new NotFoundError('Nobody has that identity.');
      return jsonResponse(200, (await withDistribution(found)) satisfies PersonAnswer);
    }
  }
}).use(requireApiKey('people'));
