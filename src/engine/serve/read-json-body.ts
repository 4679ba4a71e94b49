import type { IncomingMessage } from 'node:http';
import { LimitError } from '../../errors.js';
import { HttpError } from './http-error.js';

/**
 * The request body parsed as JSON, read up to `maxBytes`: a declared Content-Length over the limit is
 * refused before reading, a body that grows past it is refused as soon as it does (LimitError on
 * `maxBodyBytes`, answered 413). A body that is not JSON is a 400. The content type must be JSON
 * (415 otherwise): a web page can post text/plain or a form to a loopback service without the
 * browser's CORS preflight, but not application/json.
 */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = request.headers['content-type'];
  if (type === undefined || !/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as Content-Type: application/json${type === undefined ? '' : ` (got ${type})`}`);
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'INPUT', 'the request has no body (send a JSON object)');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'INPUT', `the body is not JSON: ${(cause as Error).message}`);
  }
}

function tooLarge(maxBytes: number): LimitError {
  return new LimitError(`the request body is larger than the service's limit of ${maxBytes} bytes`, { limit: 'maxBodyBytes' });
}
