import express, { NextFunction, Request, Response } from 'express';
import { DomainError } from '@tributary/errors';
import { sendError } from './error-body';

/**
 * JSON bodies, with body-parser's failures answered in the API's error format here (they happen
 * before any route runs). The raw bytes are kept on the request for webhook signature checks.
 */
export function jsonBody(limitBytes: number) {
  const parse = express.json({
    limit: limitBytes,
    verify: (req, _res, buf) => { (req as Request & { rawBody?: Buffer }).rawBody = buf; },
  });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (err?: { type?: string; message?: string }) => {
      if (!err) return next();
      if (err.type === 'entity.too.large') {
        return sendError(res, new DomainError('too_large', 'payload_too_large', `the body is larger than the limit of ${limitBytes} bytes`, { limitBytes }));
      }
      if (err.type === 'entity.parse.failed') {
        return sendError(res, new DomainError('malformed', 'invalid_json', `the body is not valid JSON: ${err.message}`));
      }
      return sendError(res, new DomainError('malformed', 'unreadable_body', `the body could not be read: ${err.message ?? err.type}`));
    });
}
