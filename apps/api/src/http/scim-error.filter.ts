import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorKind } from '@tributary/errors';
import { SCIM_CONTENT_TYPE, SCIM_ERROR_SCHEMA } from './scim-resources';

const STATUS: Record<ErrorKind, number> = {
  malformed: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, gone: 410, too_large: 413,
  // SCIM answers a value it refuses with 400 (RFC 7644 3.12), not 422
  invalid: 400, rate_limited: 429, unavailable: 503,
};

/** SCIM's scimType for our codes (RFC 7644 table 9). */
const SCIM_TYPE: Record<string, string> = {
  invalid_filter: 'invalidFilter', uniqueness: 'uniqueness', invalid_path: 'invalidPath', invalid_value: 'invalidValue',
  validation_failed: 'invalidValue', invalid_json: 'invalidSyntax', unknown_member: 'invalidValue',
};

/** Every error of a SCIM route in SCIM's error format (RFC 7644 3.12), `status` as a string. */
@Catch()
export class ScimErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('scim');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (!(exception instanceof DomainError) && !(exception instanceof HttpException)) {
      this.logger.error({ message: 'unhandled error in a SCIM request', error: String(exception), stack: exception instanceof Error ? exception.stack : undefined });
      void reply.status(500).type(SCIM_CONTENT_TYPE).send({ schemas: [SCIM_ERROR_SCHEMA], status: '500', detail: 'internal error; it has been logged' });
      return;
    }
    const error = exception instanceof DomainError ? exception : new DomainError(
      exception.getStatus() === 404 ? 'not_found' : 'malformed', 'bad_request', exception.getStatus() === 404 ? 'no such SCIM endpoint' : exception.message);
    const status = STATUS[error.kind];
    if (status === 401) reply.header('WWW-Authenticate', 'Bearer');
    const scimType = SCIM_TYPE[error.code];
    void reply.status(status).type(SCIM_CONTENT_TYPE)
      .send({ schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail: error.message });
  }
}
