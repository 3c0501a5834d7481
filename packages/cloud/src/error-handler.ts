import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { CloudError } from './errors.ts';

/**
 * Maps every error to `{ error: code, message }`: zod errors to 400 with the offending fields, CloudErrors to their
 * status, Fastify's own client errors (bad JSON, body too large, wrong content type) to theirs, and anything else to
 * 500 with a generic message and the request's correlation id. Stacks are logged, never sent.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof ZodError) {
      const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return reply.code(400).send({
        error: 'invalid_request',
        message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
        issues,
      });
    }
    if (error instanceof CloudError) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return reply.code(error.status).send({ error: error.code, message: error.message, ...error.details });
    }
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = (error as FastifyError).code ?? '';
      const errorCode =
        code.startsWith('FST_ERR_CTP_INVALID_JSON') ||
        code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
        error instanceof SyntaxError
          ? 'invalid_json'
          : status === 413
            ? 'payload_too_large'
            : status === 415
              ? 'unsupported_media_type'
              : status === 429
                ? 'rate_limited'
                : status === 404
                  ? 'not_found'
                  : 'invalid_request';
      return reply.code(status).send({ error: errorCode, message: error.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({
      error: 'internal_error',
      message: 'internal error; quote the correlation id when reporting it',
      correlationId: request.id,
    });
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
}
