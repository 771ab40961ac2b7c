import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@tributary/errors';
import { sendError } from './error-body';

/**
 * A DomainError as the API's error body, in every process: what the access guard refuses on a process
 * without the API (an ingestor's /metrics, say) is a 401 or 403 like anywhere else. The api app's own
 * filter maps the other errors.
 */
@Catch(DomainError)
export class DomainErrorBodyFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse<FastifyReply>(), error);
  }
}
