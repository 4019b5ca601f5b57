import type { PersonChangeAnswer } from '../shared/api/schemas.js';
import { defaultPhoneRegion } from '../shared/platform/config.js';
import { requireApiKey } from '../shared/http/api-key.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { jsonBody, pathParameter } from '../shared/http/request.js';
import { MAX_PERSON_ID_LENGTH, normalizeIdentity } from '../shared/core/identity.js';
import { keyText } from '../shared/core/text.js';
import { logger } from '../shared/platform/logger.js';
import { describePerson, linkIdentitySchema, mergeSchema } from '../shared/record/people.js';
import { storeFromEnvironment } from '../shared/store/clients.js';
import { linkIdentity, mergePeople } from '../shared/record/people.js';

const store = storeFromEnvironment();

const versions = (suppressions: PersonChangeAnswer['changed']) =>
  suppressions.map(({ channel, address, status, version }) => ({ channel, address, status, version }));

/** POST /v1/people/{id}/identities and POST /v1/people/merge: a CRM says who is who. */
export const handler = httpHandler(async (event) => {
  if (event.routeKey === 'POST /v1/people/merge') {
    const { survivorId, mergedId, evidence } = jsonBody(event, mergeSchema);
    const outcome = await mergePeople(store, survivorId, mergedId, evidence);
    logger.info('people merged', { survivorId, mergedId, eventId: outcome.eventId });
    return jsonResponse(200, {
      eventId: outcome.eventId,
      person: describePerson(outcome.person),
      changed: versions(outcome.suppressions),
    } satisfies PersonChangeAnswer);
  }
  const personId = keyText('id', pathParameter(event, 'id'), MAX_PERSON_ID_LENGTH);
  const { type, value, evidence } = jsonBody(event, linkIdentitySchema);
  const identity = normalizeIdentity(type, value, defaultPhoneRegion());
  const outcome = await linkIdentity(store, personId, identity, evidence);
  logger.info('identity linked', { personId, type, eventId: outcome.eventId, alreadyLinked: outcome.alreadyLinked });
  return jsonResponse(outcome.alreadyLinked ? 200 : 201, {
    eventId: outcome.eventId || null,
    person: describePerson(outcome.person),
    changed: versions(outcome.suppressions),
  } satisfies PersonChangeAnswer);
}).use(requireApiKey('people-changes'));
