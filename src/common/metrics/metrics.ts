import { Global, Injectable, Module } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DbCommandMetrics } from '#src/common/database/command-metrics';

/** The application's Prometheus metrics, in a registry of its own (one per application instance). */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly syncDuration = new Histogram({
    name: 'okta_evidence_sync_duration_seconds',
    help: 'Duration of connector syncs by connector and outcome',
    labelNames: ['connector', 'status'] as const,
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });

  readonly syncs = new Counter({
    name: 'okta_evidence_syncs_total',
    help: 'Connector syncs by connector and outcome',
    labelNames: ['connector', 'status'] as const,
    registers: [this.registry],
  });

  readonly apiCalls = new Counter({
    name: 'okta_evidence_okta_api_calls_total',
    help: 'Calls to the vendor API by evidence type collected',
    labelNames: ['collector'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWaits = new Counter({
    name: 'okta_evidence_okta_rate_limit_waits_total',
    help: 'Pauses for vendor rate limits (before a bucket ran dry, or after a 429)',
    labelNames: ['collector'] as const,
    registers: [this.registry],
  });

  readonly evidenceRows = new Counter({
    name: 'okta_evidence_evidence_rows_written_total',
    help: 'Evidence rows inserted, by evidence type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  readonly staleConnections = new Gauge({
    name: 'okta_evidence_stale_connections',
    help: 'Connections without a successful sync within their threshold (as of the last staleness check)',
    registers: [this.registry],
  });

  readonly openAlerts = new Gauge({
    name: 'okta_evidence_open_alerts',
    help: 'Open alerts across organizations (as of the last staleness check)',
    registers: [this.registry],
  });

  /** Database commands and documents, from the driver's command monitoring. */
  readonly db = new DbCommandMetrics(this.registry);

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'okta_evidence_' });
  }
}

/** The application's metrics; where and to whom they are served is `MetricsHttpModule`'s (metrics-http.ts). */
@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
