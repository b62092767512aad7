import client from "prom-client";

/**
 * intake's Prometheus metrics, one registry per process (tests build several apps in one
 * process, so nothing is registered globally). Names carry the `intake_` prefix.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly httpRequests = new client.Counter({
    name: "intake_http_requests_total",
    help: "HTTP requests by route, method and status.",
    labelNames: ["route", "method", "status"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new client.Histogram({
    name: "intake_http_request_duration_seconds",
    help: "HTTP request durations by route and method.",
    labelNames: ["route", "method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly completions = new client.Counter({
    name: "intake_upload_completions_total",
    help: "Upload completion attempts by outcome (ok, already, missing, mismatch, not_awaiting) and source.",
    labelNames: ["outcome", "source"] as const,
    registers: [this.registry],
  });
  readonly reconcilerActions = new client.Counter({
    name: "intake_reconciler_actions_total",
    help: "Reconciler actions: completed, expired, checked.",
    labelNames: ["action"] as const,
    registers: [this.registry],
  });
  readonly stageDuration = new client.Histogram({
    name: "intake_stage_duration_seconds",
    help: "Time a worker spent running a stage, by stage and outcome.",
    labelNames: ["stage", "outcome"] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  readonly pickupLatency = new client.Histogram({
    name: "intake_pickup_latency_seconds",
    help: "From upload verified (queued) to the first claim of the parse stage.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly endToEndLatency = new client.Histogram({
    name: "intake_end_to_end_latency_seconds",
    help: "From upload verified to job completed.",
    buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly retries = new client.Counter({
    name: "intake_job_retries_total",
    help: "Stage attempts that ended in a scheduled retry, by stage.",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });
  readonly failures = new client.Counter({
    name: "intake_job_failures_total",
    help: "Jobs that ended failed, by stage and error code.",
    labelNames: ["stage", "code"] as const,
    registers: [this.registry],
  });
  readonly breakerState = new client.Gauge({
    name: "intake_circuit_breaker_open",
    help: "1 while the circuit breaker for a dependency is open (or half-open), else 0.",
    labelNames: ["dependency"] as const,
    registers: [this.registry],
  });
}
