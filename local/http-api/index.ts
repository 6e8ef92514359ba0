/** Local stand-in for API Gateway HTTP API (payload format 2.0). */
export { startHttpApi, type HttpApiOptions, type InvokeFunction, type RunningHttpApi } from './server';
export { buildRouteTable, createRoute, matchRoute, DEFAULT_ROUTE_KEY, type HttpApiRoute, type RouteMatch, type ResolvedServerlessConfig } from './routes';
export { buildHttpApiEvent, isTextContentType, type ReceivedRequest } from './event';
export { responseFromLambdaResult, gatewayErrorResponse, GATEWAY_ERRORS, type GatewayResponse } from './response';
export * from './limits';
