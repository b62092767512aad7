import client from "prom-client";

/** Rows of the `intake_jobs` gauge; see `Metrics.countJobsWith`. */
export type JobCountSource = () => Promise<{ status: string; stage: string; count: number }[]>;

/** Rows of the per-tenant quota gauges; see `Metrics.reportTenantQuotasWith`. */
export type TenantQuotaSource = () => Promise<
  { tenant: string; resource: string; usage: number; limit: number }[]
>;

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
  readonly documentWarnings = new client.Counter({
    name: "intake_document_warnings_total",
    help: "Documents that completed with a warning (no_text_layer: pages OCR could not read), by detected type.",
    labelNames: ["warning", "type"] as const,
    registers: [this.registry],
  });
  readonly derivedTextReads = new client.Counter({
    name: "intake_derived_text_reads_total",
    help: "Chunk stages' reads of a document's parsed text, by where it came from: memory (the same worker parsed it just before) or storage.",
    labelNames: ["from"] as const,
    registers: [this.registry],
  });
  readonly claims = new client.Counter({
    name: "intake_claims_total",
    help: "Workers' claim statements, by how they find jobs: a fair search of the queue, or by the ids the queueing NOTIFY announced while the queue was drained.",
    labelNames: ["by"] as const,
    registers: [this.registry],
  });
  readonly claimedJobs = new client.Counter({
    name: "intake_claimed_jobs_total",
    help: "Jobs workers claimed, by how their claim found them (as intake_claims_total).",
    labelNames: ["by"] as const,
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
  readonly sseStreams = new client.Gauge({
    name: "intake_sse_streams",
    help: "Job event streams (SSE) subscribed to this process's event hub (intake_sse_streams_open counts those held against INTAKE_MAX_STREAMS_PER_PROCESS).",
    registers: [this.registry],
  });
  readonly sseStreamsOpen = new client.Gauge({
    name: "intake_sse_streams_open",
    help: "Job event streams (SSE) this process has accepted and not yet released, counted against INTAKE_MAX_STREAMS_PER_PROCESS.",
    registers: [this.registry],
  });
  readonly eventListenerConnected = new client.Gauge({
    name: "intake_event_listener_connected",
    help: "1 while this process's LISTEN connection for job events is up (0 before the first stream).",
    registers: [this.registry],
  });
  readonly eventListenerReconnects = new client.Counter({
    name: "intake_event_listener_reconnects_total",
    help: "Times the job event LISTEN connection was lost and re-established.",
    registers: [this.registry],
  });
  #jobCounts: JobCountSource | undefined;
  readonly jobs = new client.Gauge({
    name: "intake_jobs",
    help: "Jobs awaiting upload, queued and running, by stage, counted in Postgres at scrape time (API processes only).",
    labelNames: ["status", "stage"] as const,
    registers: [this.registry],
    // prom-client awaits this on every scrape; `this` is the gauge.
    collect: async () => {
      if (!this.#jobCounts) return;
      const rows = await this.#jobCounts();
      this.jobs.reset();
      for (const r of rows) this.jobs.set({ status: r.status, stage: r.stage }, r.count);
    },
  });

  #tenantQuotas: TenantQuotaSource | undefined;
  // Labelled by tenant: bounded by the source (at most 100 tenants with
  // usage or overrides, the largest first) times four resources.
  readonly tenantUsage = new client.Gauge({
    name: "intake_tenant_usage",
    help: "A tenant's usage by resource (uploads_per_minute, bytes, documents, streams), from Postgres at scrape time (API processes only).",
    labelNames: ["tenant", "resource"] as const,
    registers: [this.registry],
    collect: async () => this.#collectTenantQuotas(),
  });
  readonly tenantLimit = new client.Gauge({
    name: "intake_tenant_limit",
    help: "A tenant's limit in effect by resource (0: unlimited).",
    labelNames: ["tenant", "resource"] as const,
    registers: [this.registry],
    collect: async () => this.#collectTenantQuotas(),
  });
  /** The scrape's one read, shared by both gauges (prom-client collects them concurrently). */
  #tenantQuotaRead: Promise<void> | undefined;

  /** Makes scrapes report `intake_tenant_usage` and `intake_tenant_limit` from `source`. */
  reportTenantQuotasWith(source: TenantQuotaSource): void {
    this.#tenantQuotas = source;
  }

  #collectTenantQuotas(): Promise<void> {
    this.#tenantQuotaRead ??= this.#readTenantQuotas().finally(() => {
      this.#tenantQuotaRead = undefined;
    });
    return this.#tenantQuotaRead;
  }

  async #readTenantQuotas() {
    if (!this.#tenantQuotas) return;
    const rows = await this.#tenantQuotas();
    this.tenantUsage.reset();
    this.tenantLimit.reset();
    for (const r of rows) {
      this.tenantUsage.set({ tenant: r.tenant, resource: r.resource }, r.usage);
      this.tenantLimit.set({ tenant: r.tenant, resource: r.resource }, r.limit);
    }
  }

  /**
   * Makes scrapes report `intake_jobs` from `source`. Only API processes set one: every
   * process would report the same database-wide numbers, and summing them would multiply.
   */
  countJobsWith(source: JobCountSource): void {
    this.#jobCounts = source;
  }

  /** Node process metrics (CPU, memory, event loop lag, GC) with the `intake_` prefix. */
  collectProcessMetrics(): void {
    client.collectDefaultMetrics({ register: this.registry, prefix: "intake_" });
  }
}
