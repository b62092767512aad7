// npm run chaos [-- --quick]: 500 jobs through separate API and worker processes under faults
// (random worker SIGKILLs, an API SIGKILLed mid-upload, MinIO down 20 s, a Postgres restart).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { parseArgs } = await import("node:util");
const { runChaos } = await import("../../test/support/chaos-run.js");

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = values.quick!;
const log = (m: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${m}`);
log(quick ? "quick: 100 jobs, MinIO down 5 s" : "500 jobs, MinIO down 20 s");
const report = await runChaos({
  jobs: quick ? 100 : 500,
  apis: 2,
  workers: 3,
  killWorkerEveryMs: 3000,
  killApiAt: 0.15,
  minioOutage: { at: 0.3, ms: quick ? 5000 : 20_000 },
  restartPostgresAt: 0.6,
  timeoutMs: quick ? 180_000 : 480_000,
  log,
});
const dataOk =
  report.lost === 0 &&
  report.duplicateJobs === 0 &&
  report.badOutputs.length === 0 &&
  Object.entries(report.byStatus).every(([s]) => ["completed", "failed", "expired", "cancelled"].includes(s));
// A process that crashed on its own is a bug even when the supervisor's restart hid it.
const ok = dataOk && report.unexpectedExits.length === 0;
console.log(JSON.stringify(report, null, 2));
console.log(
  `\n${ok ? "OK" : dataOk ? "FAILED (processes crashed; no job was lost)" : "FAILED"}: ${report.jobs} jobs, by status ${JSON.stringify(report.byStatus)}, lost ${report.lost}, ` +
    `duplicate jobs ${report.duplicateJobs}, jobs with bad outputs ${report.badOutputs.length}, ` +
    `${report.faults.length} faults, ${report.unexpectedExits.length} unexpected process exits, ` +
    `${report.uploadRetries} client retries; run ${report.seconds.toFixed(1)} s, recovery after the last fault ${report.recoverySeconds.toFixed(1)} s`,
);
process.exit(ok ? 0 : 1);
