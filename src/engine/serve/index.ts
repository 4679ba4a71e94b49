/** `formwork serve`: the HTTP service (node:http) over generate() and sql(). */
export { FormworkService, type ServiceOptions } from './formwork-service.js';
export { DatabaseRegistry } from './database-registry.js';
export { errorResponse, HttpError, type ErrorResponse } from './http-error.js';
export { parseGenerateRequest, parseSqlRequest, type GenerateRequest, type RequestLimits, type SqlRequest } from './service-requests.js';
