/**
 * One error type per kind of failure. Domain code throws these; the HTTP edge
 * (shared/http/problem.ts) maps them to RFC 9457 problem responses in one place.
 */

export abstract class ProblemError extends Error {
  abstract readonly status: number;
  /** Stable slug; the problem `type` URI is derived from it. */
  abstract readonly slug: string;
  abstract readonly title: string;

  constructor(
    readonly detail: string,
    /** Extra members of the problem document (RFC 9457 extensions). */
    readonly extensions: Record<string, unknown> = {},
    cause?: unknown,
  ) {
    super(detail, { cause });
    this.name = new.target.name;
  }

  /** Response headers the problem needs (a 401's WWW-Authenticate challenge, say). */
  readonly headers: Record<string, string> = {};

  withHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
}

/** The request is malformed or names something that does not exist in the contract. */
export class BadRequestError extends ProblemError {
  readonly status = 400;
  readonly slug = 'bad-request';
  readonly title = 'The request is not valid';
}

/** An address (phone, email, postal) that cannot be normalized. */
export class InvalidAddressError extends ProblemError {
  readonly status = 400;
  readonly slug = 'invalid-address';
  readonly title = 'The address cannot be normalized';
}

/** The caller did not present credentials. */
export class UnauthenticatedError extends ProblemError {
  readonly status = 401;
  readonly slug = 'unauthenticated';
  readonly title: string = 'Credentials are missing';
}

/** The caller presented credentials that are not valid: the same 401, titled for what went wrong. */
export class InvalidCredentialsError extends UnauthenticatedError {
  override readonly title: string = 'Credentials are not valid';
}

/** A webhook whose signature is missing or does not match. */
export class InvalidSignatureError extends ProblemError {
  readonly status = 403;
  readonly slug = 'invalid-signature';
  readonly title = 'The request signature is missing or invalid';
}

/** Valid credentials that do not grant what the route needs. */
export class ForbiddenError extends ProblemError {
  readonly status = 403;
  readonly slug = 'forbidden';
  readonly title = 'The credentials do not allow this';
}

export class NotFoundError extends ProblemError {
  readonly status = 404;
  readonly slug = 'not-found';
  readonly title = 'Not found';
}

/** Well-formed, but not something optout-hub may act on (an opt-in without evidence, say). */
export class UnprocessableError extends ProblemError {
  readonly status = 422;
  readonly slug = 'unprocessable';
  readonly title = 'The request cannot be acted on';
}

/** The request conflicts with the current state (an identity that belongs to someone else). */
export class ConflictError extends ProblemError {
  readonly status = 409;
  readonly slug = 'conflict';
  readonly title = 'The request conflicts with the current state';
}

/** The store or a queue did not answer; 503 so that providers retry. */
export class DependencyError extends ProblemError {
  readonly status = 503;
  readonly slug = 'dependency-unavailable';
  readonly title = 'A dependency did not answer';
}

/** Required configuration is absent; requests fail closed rather than guess. */
export class ConfigurationError extends ProblemError {
  readonly status = 500;
  readonly slug = 'misconfigured';
  readonly title = 'The service is not configured for this request';
}
