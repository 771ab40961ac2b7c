import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorKind } from '@tributary/errors';
import { isStoreTimeout, UnknownTenantError } from '@tributary/store';
import { sendError } from '@tributary/platform';

/** How long a client should wait before trying again a request the store did not answer in time. */
const STORE_RETRY_AFTER_SECONDS = 5;

const httpKinds: Record<number, [ErrorKind, string]> = {
  400: ['malformed', 'bad_request'], 401: ['unauthenticated', 'unauthenticated'], 403: ['forbidden', 'forbidden'],
  404: ['not_found', 'not_found'], 409: ['conflict', 'conflict'], 413: ['too_large', 'payload_too_large'],
  422: ['invalid', 'invalid'], 429: ['rate_limited', 'rate_limited'], 503: ['unavailable', 'unavailable'],
};

/** Maps every error to the API's JSON error body; unexpected ones are logged and hidden behind a 500. */
@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    if (exception instanceof DomainError) return sendError(res, exception);
    if (isStoreTimeout(exception)) {
      // the statement's transaction was rolled back: the request changed nothing and may be sent again
      return sendError(res, new DomainError('unavailable', 'store_timeout',
        'the metadata store did not answer within its time limit; nothing was changed, try again later', { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS }));
    }
    if (exception instanceof UnknownTenantError) {
      return sendError(res, new DomainError('forbidden', 'unknown_tenant', `tenant ${exception.tenantId} does not exist`));
    }
    if (exception instanceof HttpException && httpKinds[exception.getStatus()]) {
      const [kind, code] = httpKinds[exception.getStatus()];
      const message = exception.getStatus() === 404 ? `no route ${req.method} ${pathOf(req)}` : exception.message;
      return sendError(res, new DomainError(kind, code, message));
    }
    this.logger.error({ message: 'unhandled error', method: req.method, path: pathOf(req), error: String(exception),
      stack: exception instanceof Error ? exception.stack : undefined });
    void res.status(500).send({ error: { code: 'internal', message: 'internal error; it has been logged' } });
  }
}

const pathOf = (req: FastifyRequest) => req.url.split('?')[0];
