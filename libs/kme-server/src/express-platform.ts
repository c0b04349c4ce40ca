import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { ServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import { HttpException, HttpStatus, Logger, type NestApplicationOptions } from '@nestjs/common';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import express, { type Express, type NextFunction } from 'express';
import { writeErrorResponse, writeErrorToSocket } from './http-errors';
import type { TlsMaterial } from './tls';

/** Largest request body accepted; a Key IDs body of max_key_per_request IDs is far smaller. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Longer than the idle timeout of common clients and proxies (60 s), so they close first. */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Routes an SAE, the peer KME or an operator calls; HEAD and OPTIONS have no meaning there. */
const API_ROUTE = /^\/api\/(?!docs)/;

const logger = new Logger('Http');

/** Not in Nest's HttpStatus. */
const REQUEST_HEADER_FIELDS_TOO_LARGE = 431;

/**
 * The Express instance a KME runs on, set up before Nest registers a route: the router takes
 * its matching rules when it is created. Routing is exact, as the ETSI paths are: `/status/`
 * and `/STATUS` are not `/status`. Nothing is sent that a client did not ask for.
 */
export function createExpressInstance(): Express {
  const instance = express();
  instance.set('strict routing', true);
  instance.set('case sensitive routing', true);
  instance.set('etag', false);
  instance.disable('x-powered-by');
  // No answer of a KME is ever "not modified": Express would turn a GET carrying
  // If-None-Match: * into a bodiless 304, after the handler took the keys.
  Object.defineProperty(instance.request, 'fresh', { get: () => false });
  return instance;
}

/**
 * The Nest application options of a KME: HTTPS with client certificates requested and verified
 * against the CA but not required by TLS (the guards of the key routes require them, so that the
 * docs and health routes open without one), TLS 1.2 or later, and no body parser of Nest's.
 */
export function kmeApplicationOptions(
  tls: TlsMaterial,
  adapter?: ExpressAdapter,
): NestApplicationOptions {
  // Node's own options type: Nest's copy of it lacks minVersion and requireHostHeader.
  return { httpsOptions: kmeHttpsOptions(tls, adapter) as HttpsOptions, bodyParser: false };
}

/** The HTTPS server options of a KME on `adapter`'s Express instance (see kmeApplicationOptions). */
export function kmeHttpsOptions(tls: TlsMaterial, adapter?: ExpressAdapter): ServerOptions {
  const instance = adapter?.getInstance<Express>();
  return {
    ...(instance === undefined ? {} : expressMessageClasses(instance)),
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
    // Refused by the platform middleware instead, with an ETSI Error body.
    requireHostHeader: false,
  };
}

/**
 * Request and response classes whose objects are born with the Express instance's prototypes.
 * Express otherwise swaps the prototype of every request and response as it enters, which makes
 * V8 migrate each object's shape and miss its inline caches: that cost more than everything else
 * a status request does (385 against 45 µs of CPU per request, measured here).
 */
function expressMessageClasses(
  instance: Express,
): Pick<ServerOptions, 'IncomingMessage' | 'ServerResponse'> {
  function ExpressRequest(this: IncomingMessage, socket: Socket): void {
    IncomingMessage.call(this, socket);
  }
  ExpressRequest.prototype = instance.request;
  function ExpressResponse(this: ServerResponse, request: IncomingMessage): void {
    ServerResponse.call(this, request);
  }
  ExpressResponse.prototype = instance.response;
  return {
    IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
    ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
  };
}

/**
 * Everything a KME's HTTP stack adds to a Nest application created with kmeApplicationOptions on
 * createExpressInstance, before it listens: the production setup, which tests reuse as it is.
 * `server` is the application's own unless the caller made the HTTPS server itself.
 */
export function applyKmePlatform(
  app: NestExpressApplication,
  server: Server = app.getHttpServer(),
): void {
  installServerHooks(server);
  for (const middleware of platformMiddleware()) app.use(middleware);
}

/**
 * Nest's Express adapter with one change: a JSON answer is serialised once and written in one
 * call, headers and body together. Express's res.json() and res.send() re-derive the content
 * type, parse it again for the charset and check request freshness on every answer, which cost
 * as much as the rest of a status request.
 */
export class KmeExpressAdapter extends ExpressAdapter {
  override reply(response: ServerResponse, body: unknown, statusCode?: number): void {
    if (!isJsonValue(body)) {
      super.reply(response, body, statusCode);
      return;
    }
    if (statusCode !== undefined) response.statusCode = statusCode;
    const json = JSON.stringify(body);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(json));
    response.end(json);
  }
}

/** Plain objects and arrays: what controllers and the exception filter answer with. */
function isJsonValue(body: unknown): body is object {
  if (Array.isArray(body)) return true;
  if (typeof body !== 'object' || body === null) return false;
  const prototype: unknown = Object.getPrototypeOf(body);
  return prototype === Object.prototype || prototype === null;
}

/** The adapter and Express instance a KME runs on. */
export function createKmeHttpAdapter(): KmeExpressAdapter {
  return new KmeExpressAdapter(createExpressInstance());
}

/**
 * Middleware that runs before any route. Errors go to Nest's error handler, hence to the KME's
 * one exception filter, so they answer with an ETSI Error body too.
 */
function platformMiddleware(): ((
  request: IncomingMessage,
  response: ServerResponse,
  next: NextFunction,
) => void)[] {
  return [refuseUnservedRequests, readBodyAsText];
}

/**
 * A request without Host (Node would answer it with an empty 400), and HEAD or OPTIONS on an API
 * route: Express would run the GET handler for HEAD, which allocates or deletes keys nobody sees,
 * and answer OPTIONS itself with an Allow list.
 */
function refuseUnservedRequests(
  request: IncomingMessage,
  _response: ServerResponse,
  next: NextFunction,
): void {
  if (request.headers.host === undefined && request.httpVersion === '1.1') {
    next(new HttpException({ message: 'an HTTP/1.1 request must carry a Host header' }, 400));
    return;
  }
  const method = request.method;
  if ((method === 'HEAD' || method === 'OPTIONS') && API_ROUTE.test(request.url ?? '')) {
    next(
      new HttpException(
        { message: `${method} is not a method of this route` },
        HttpStatus.METHOD_NOT_ALLOWED,
      ),
    );
    return;
  }
  next();
}

/**
 * The body as text, whatever its Content-Type: ETSI clients in the field send JSON as
 * form-urlencoded or text/plain, or with no type at all. The ETSI pipe parses it as JSON.
 * Requests without a body (GETs) are not read at all.
 */
const readBodyAsText = express.text({ type: () => true, limit: BODY_LIMIT_BYTES });

/**
 * Hooks of the Node server for what it would otherwise answer itself, with an empty body:
 * an Expect other than 100-continue (417) and a request its parser refuses (400, 431, 408).
 */
function installServerHooks(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    writeErrorResponse(response, HttpStatus.EXPECTATION_FAILED, {
      message: `Expect: ${String(request.headers.expect)} is not supported; only 100-continue is`,
    });
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // The client's doing, never the KME's: one line at debug level.
    logger.debug(`refused a malformed request (${error.code ?? error.message})`);
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? REQUEST_HEADER_FIELDS_TOO_LARGE
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? HttpStatus.REQUEST_TIMEOUT
          : HttpStatus.BAD_REQUEST;
    writeErrorToSocket(socket, status, {
      message: `malformed HTTP request (${error.code ?? 'parse error'})`,
    });
  });
}
