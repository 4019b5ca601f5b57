import { openApiDocument } from '../shared/api/openapi.js';
import { renderReferencePage } from '../shared/api/reference-page.js';
import { httpHandler } from '../shared/http/middleware.js';
import { jsonResponse } from '../shared/http/problem.js';
import { htmlResponse } from '../shared/intake/email/page.js';

/** Both are the same for every caller until the code changes: rendered once per instance. */
let page: string | undefined;

/**
 * GET /v1/openapi.json and GET /v1/docs: the contract of this API (OpenAPI 3.1), generated from
 * the declared routes and the zod schemas the handlers use, and the reference page rendered from it.
 */
export const handler = httpHandler(async (event) => {
  const document = openApiDocument();
  if (event.routeKey === 'GET /v1/docs') {
    page ??= renderReferencePage(document);
    return htmlResponse(200, page);
  }
  return jsonResponse(200, document);
});
