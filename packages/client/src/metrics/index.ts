export { CLIENT_METRICS_PREFIX, createClientMetrics, type ClientMetricsSource } from './client-metrics.js';
export { metricsAllowed, metricsRoute, type MetricsAuth, type MetricsRouteHost } from './metrics-route.js';
