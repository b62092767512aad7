// The bench itself (see main.ts): npm run bench [-- --quick] [-- --only pickup,throughput,ceiling,api,ingest,memory,ocr] [-- --cpu-prof]
// Starts its own Postgres and MinIO, runs intake and graphile-worker side by side, prints a
// table with ratios from this one run and writes .intake/bench/latest.json.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { findMinioBinary } from "../../src/storage/local-minio.js";
import { startStack } from "../../test/support/stack.js";
import { percentile, round, table } from "../lib/stats.js";
import { measureApi } from "./api.js";
import { measureCommitCeiling } from "./commit-ceiling.js";
import { printProfileTop } from "./cpu-profile-top.js";
import { measureEventCost } from "./event-cost.js";
import { generatedDocs, measureBarePipeline, measureDerivedRoundTrip, measureIngest } from "./ingest.js";
import { corpusDocs } from "./ingest-corpus.js";
import { measureMemory } from "./memory.js";
import { benchOcr } from "./ocr.js";
import { measurePickup, summarize } from "./pickup.js";
import { measureThroughput, type ThroughputRun } from "./throughput.js";

const CASES = ["pickup", "throughput", "ceiling", "api", "ingest", "memory", "ocr"] as const;
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    "cpu-prof": { type: "boolean", default: false },
  },
});
const quick = values.quick!;
const only = new Set(values.only ? values.only.split(",") : CASES);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const MiB = 1024 * 1024;
/** Generated documents both ingest runs take untimed before the timed corpus (see measureBarePipeline). */
const WARMUP_DOCS = 40;

const plan = quick
  ? {
      pickupSamples: 500,
      pollRunMs: 12_000,
      tpJobs: 4000,
      ceilingMs: 3000,
      apiMs: 8000,
      ingestDocs: 40,
      textBytes: [16 * MiB, 64 * MiB],
      pdfPages: 2000,
    }
  : {
      pickupSamples: 2000,
      pollRunMs: 60_000,
      tpJobs: 30_000,
      ceilingMs: 10_000,
      apiMs: 30_000,
      ingestDocs: 200,
      textBytes: [64 * MiB, 1024 * MiB],
      pdfPages: 20_000,
    };

const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
const started = Date.now();
const stack = await startStack("intake-bench");
const out: Record<string, unknown> = { mode: quick ? "quick" : "full" };
const rows: (string | number)[][] = [["case", "intake", "graphile-worker / reference", "ratio", "note"]];
const ms = (n: number) => `${round(n, 2)} ms`;

try {
  const pgVersion = await (async () => {
    const c = new pg.Client({ connectionString: stack.adminUrl });
    await c.connect();
    const v = (await c.query("SHOW server_version")).rows[0].server_version as string;
    const fsync = (await c.query("SHOW fsync")).rows[0].fsync as string;
    const sc = (await c.query("SHOW synchronous_commit")).rows[0].synchronous_commit as string;
    await c.end();
    return { version: v, fsync, synchronous_commit: sc };
  })();
  const pkg = JSON.parse(await readFile(path.join(repo, "package.json"), "utf8")) as { version: string };
  const gw = JSON.parse(
    await readFile(path.join(repo, "node_modules/graphile-worker/package.json"), "utf8"),
  ) as {
    version: string;
  };
  out.machine = {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model,
    memory_gb: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version,
    postgres: pgVersion.version,
    postgres_settings: { fsync: pgVersion.fsync, synchronous_commit: pgVersion.synchronous_commit },
    os: `${os.type()} ${os.release()}`,
  };
  out.versions = {
    intake: pkg.version,
    graphile_worker: gw.version,
    minio: path.basename(path.dirname((await findMinioBinary()) ?? "unknown")),
  };

  if (only.has("pickup")) {
    log(
      `pickup latency: ${plan.pickupSamples} jobs each, concurrency 4, plus a 5 s poller for ${plan.pollRunMs / 1000} s`,
    );
    const p = await measurePickup(stack, {
      samples: plan.pickupSamples,
      concurrency: 4,
      pollRunMs: plan.pollRunMs,
    });
    const [i, g, s, m] = [
      summarize(p.intake),
      summarize(p.graphile),
      summarize(p.pollSimulated),
      summarize(p.pollMeasured),
    ];
    out.pickup_latency_ms = {
      intake: { p50: round(i.p50, 3), p99: round(i.p99, 3), samples: p.intake.length },
      graphile_worker: { p50: round(g.p50, 3), p99: round(g.p99, 3), samples: p.graphile.length },
      poll_5s: {
        p50: round(s.p50, 1),
        p99: round(s.p99, 1),
        method: "simulated: U(0,5000) + measured claim round trip, 100k draws",
      },
      poll_5s_measured: { p50: round(m.p50, 1), p99: round(m.p99, 1), samples: p.pollMeasured.length },
    };
    rows.push([
      "pickup p50",
      ms(i.p50),
      ms(g.p50),
      `${round(i.p50 / g.p50)}x`,
      "commit → handler start; lower is better",
    ]);
    rows.push(["pickup p99", ms(i.p99), ms(g.p99), `${round(i.p99 / g.p99)}x`, "target: p99 < 10 ms"]);
    rows.push([
      "pickup p50/p99 vs 5 s poll",
      `${ms(i.p50)} / ${ms(i.p99)}`,
      `${ms(s.p50)} / ${ms(s.p99)}`,
      `${round(s.p50 / i.p50, 0)}x faster`,
      `poller measured: ${ms(m.p50)} / ${ms(m.p99)}`,
    ]);
  }

  let intakeBest = 0;
  if (only.has("throughput")) {
    const runs: ThroughputRun[] = [];
    // Each system at its best settings found on this machine: intake's plain commitStage path
    // gains from more jobs in flight (each commit waits on Postgres), the batched path from large
    // batches; graphile-worker with its documented local queue and batched completion.
    const n = plan.tpJobs;
    const configs = [
      { system: "intake", processes: 1, concurrency: 64, jobs: n },
      { system: "intake", processes: 2, concurrency: 64, jobs: n },
      { system: "intake-batched", processes: 1, concurrency: 256, jobs: 3 * n },
      { system: "intake-batched", processes: 1, concurrency: 256, prefetch: 256, jobs: 3 * n },
      { system: "intake-batched", processes: 2, concurrency: 256, jobs: 3 * n },
      { system: "intake-batched", processes: 2, concurrency: 256, prefetch: 256, jobs: 3 * n },
      { system: "graphile", processes: 1, concurrency: 16, jobs: n },
      { system: "graphile-batched", processes: 1, concurrency: 16, jobs: 5 * n },
      { system: "graphile-batched", processes: 2, concurrency: 16, jobs: 5 * n },
    ] as const;
    for (const [i, c] of configs.entries()) {
      log(
        `throughput: ${c.system} × ${c.processes} process(es), concurrency ${c.concurrency}, ${c.jobs} no-op jobs`,
      );
      runs.push(await measureThroughput(stack, c, i));
    }
    const best = (prefix: string) =>
      Math.max(...runs.filter((r) => r.system.startsWith(prefix)).map((r) => r.jobsPerS));
    intakeBest = best("intake");
    const gwBest = best("graphile");
    const plain = Math.max(...runs.filter((r) => r.system === "intake").map((r) => r.jobsPerS));
    out.stage_throughput_jobs_per_s = {
      intake: round(intakeBest, 0),
      graphile_worker: round(gwBest, 0),
      ratio: round(intakeBest / gwBest, 2),
      intake_unbatched: round(plain, 0),
      ratio_unbatched: round(plain / gwBest, 2),
      runs: runs.map((r) => ({ ...r, seconds: round(r.seconds, 2), jobsPerS: round(r.jobsPerS, 0) })),
    };
    for (const r of runs) {
      rows.push([
        `throughput ${r.system} ×${r.processes} (c=${r.concurrency}${r.prefetch ? `, prefetch ${r.prefetch}` : ""})`,
        r.system.startsWith("intake") ? `${round(r.jobsPerS, 0)} jobs/s` : "",
        r.system.startsWith("graphile") ? `${round(r.jobsPerS, 0)} jobs/s` : "",
        `${round(r.jobsPerS / gwBest, 2)}x`,
        `ratio to graphile-worker's best; CPU µs per job: workers ${r.cpuUsPerJob.workers}, postgres ${r.cpuUsPerJob.postgres}`,
      ]);
    }
  }

  if (only.has("ceiling")) {
    log(`commit ceiling: 1 and 16 clients, ${plan.ceilingMs / 1000} s each`);
    const one = await measureCommitCeiling(stack, 1, plan.ceilingMs);
    const sixteen = await measureCommitCeiling(stack, 16, plan.ceilingMs);
    // A no-op stage is two transitions (queued→running by the claim, running→queued(next) by the commit).
    const transitions = intakeBest * 2;
    out.pg_commit_ceiling_per_s = {
      clients_1: round(one, 0),
      clients_16: round(sixteen, 0),
      intake_transitions_per_s: round(transitions, 0),
      intake_fraction_of_16: intakeBest ? round(transitions / sixteen, 2) : null,
    };
    log(`event rows alone: 2 per job, 256 jobs a transaction, ${plan.tpJobs} jobs`);
    const eventsUs = await measureEventCost(stack, plan.tpJobs);
    out.event_rows_postgres_cpu_us_per_job = round(eventsUs, 0);
    rows.push(["pg single-row commits/s (1 client)", "", `${round(one, 0)}/s`, "", "same Postgres"]);
    rows.push([
      "pg single-row commits/s (16 clients)",
      intakeBest ? `${round(transitions, 0)} transitions/s` : "",
      `${round(sixteen, 0)}/s`,
      intakeBest ? `${round(transitions / sixteen, 2)}x` : "",
      "intake transitions ÷ ceiling(16)",
    ]);
    rows.push([
      "pg CPU µs per job: its 2 event rows alone",
      `${round(eventsUs, 0)} µs`,
      "",
      "",
      "insertJobEvents, 256 jobs a transaction, one connection; compare the throughput rows' postgres column",
    ]);
  }

  if (only.has("api")) {
    log(
      `API: intake serve + load generator process, 16 clients, ${plan.apiMs / 1000} s, after the same load straight to MinIO`,
    );
    const cpuProfileDir = values["cpu-prof"] ? path.join(repo, ".intake/bench/cpu-prof") : undefined;
    const {
      intake: a,
      storage: s,
      cpuProfile,
    } = await measureApi(stack, {
      concurrency: 16,
      durationMs: plan.apiMs,
      cpuProfileDir,
    });
    const cpuNote = (r: typeof a) =>
      Object.entries(r.cpuMsPerUpload)
        .filter(([, v]) => v >= 0.5)
        .map(([k, v]) => `${k.replace("load generator", "client")} ${round(v, 1)}`)
        .join(" ");
    const perUpload = (r: typeof a) =>
      Object.fromEntries(Object.entries(r.cpuMsPerUpload).map(([k, v]) => [k, round(v, 2)]));
    out.api_uploads_per_s = {
      rate: round(a.rate, 0),
      p99_ms: round(percentile(a.flowMs, 99), 1),
      p50_ms: round(percentile(a.flowMs, 50), 1),
      api_only_p99_ms: round(percentile(a.apiMs, 99), 1),
      uploads: a.uploads,
      errors: a.errors,
      storage_reference_rate: round(s.rate, 0),
      ratio: round(a.rate / s.rate, 2),
      storage_reference: {
        p50_ms: round(percentile(s.flowMs, 50), 1),
        p99_ms: round(percentile(s.flowMs, 99), 1),
        uploads: s.uploads,
        errors: s.errors,
        cpu_ms_per_upload: perUpload(s),
      },
      cpu_ms_per_upload: perUpload(a),
      note: "create + PUT to MinIO + complete (HEAD) per upload; p99 of the whole flow; api_only excludes the PUT; the storage reference is presign (intake's signer) + PUT + HEAD straight to MinIO, same load generator and concurrency",
    };
    rows.push([
      "API uploads/s (create+PUT+complete vs presign+PUT+HEAD)",
      `${round(a.rate, 0)}/s`,
      `${round(s.rate, 0)}/s`,
      `${round(a.rate / s.rate, 2)}x`,
      `p50 ${round(percentile(a.flowMs, 50), 1)} / ${round(percentile(s.flowMs, 50), 1)} ms, p99 ${round(percentile(a.flowMs, 99), 1)} / ${round(percentile(s.flowMs, 99), 1)} ms, errors ${a.errors} / ${s.errors}; CPU ms/upload ${cpuNote(a)} / ${cpuNote(s)}; target ≥ 0.7x`,
    ]);
    if (cpuProfile) {
      const top = await printProfileTop(cpuProfile.file, 15, cpuProfile.window);
      out.api_cpu_profile = { file: path.relative(repo, cpuProfile.file), ...top };
    } else if (cpuProfileDir) log("API: --cpu-prof asked for, but the server wrote no profile");
  }

  if (only.has("ingest")) {
    log(`ingest: ${plan.ingestDocs} generated mixed documents end to end`);
    const r = await measureIngest(stack, { docs: plan.ingestDocs, workerConcurrency: 4 });
    // The headline: real documents of the shared corpus, end to end and through the bare
    // pipeline (same functions in process, no queue, no storage). OCR off in both: it has its
    // own case, and a scanned page would set the pace of either.
    const corpusMaxBytes = quick ? MiB / 2 : 3 * MiB;
    const docs = await corpusDocs({ maxBytes: corpusMaxBytes });
    const realMb = docs.reduce((n, d) => n + d.body.byteLength, 0) / MiB;
    const env = { INTAKE_OCR: "off" };
    // Both sides first take the same generated documents, untimed: they are then timed warm,
    // as a worker that has been up a while runs (compiled code, parse threads started).
    const warmup = generatedDocs(WARMUP_DOCS);
    log(`ingest: ${docs.length} real documents (${round(realMb, 1)} MB) through the bare pipeline, c=4`);
    const bare = await measureBarePipeline(stack, { docs, concurrency: 4, env, warmup });
    log(`ingest: the same ${docs.length} documents end to end`);
    const e2e = await measureIngest(stack, {
      docs,
      warmup,
      workerConcurrency: 4,
      env,
      cpuProfileDir: values["cpu-prof"] ? path.join(repo, ".intake/bench/cpu-prof-ingest") : undefined,
    });
    const probe = await measureDerivedRoundTrip(stack, { n: 50, bytes: 16 * 1024 });
    const types: Record<string, number> = {};
    for (const d of docs) types[d.type] = (types[d.type] ?? 0) + 1;
    const roundAll = (o: Record<string, number>) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 2)]));
    const stages = (b: typeof e2e.breakdown) =>
      Object.fromEntries(
        b.stages.map((s) => [s.stage, { run_ms: round(s.runMs, 1), queued_ms: round(s.queuedMs, 1) }]),
      );
    out.ingest = {
      mb_per_s: round(e2e.mbPerS, 2),
      docs_per_s: round(e2e.docsPerS, 2),
      docs: e2e.docs,
      mb: round(e2e.bytes / MiB, 1),
      seconds: round(e2e.seconds, 1),
      failed: e2e.failed,
      bare_pipeline_mb_per_s: round(bare.mbPerS, 2),
      ratio: round(e2e.mbPerS / bare.mbPerS, 2),
      bare_pipeline: {
        docs_per_s: round(bare.docsPerS, 2),
        seconds: round(bare.seconds, 1),
        failed: bare.failed,
      },
      cpu_s: { end_to_end: roundAll(e2e.cpuS), bare_pipeline: roundAll(bare.cpuS) },
      corpus: { max_bytes: corpusMaxBytes, types, ocr: "off" },
      per_job_ms: { uploaded_to_completed: round(e2e.breakdown.jobMs, 1), stages: stages(e2e.breakdown) },
      derived_text_round_trip_ms: {
        write: round(probe.writeMs, 1),
        read: round(probe.readMs, 1),
        bytes: 16384,
      },
      generated_mix: {
        mb_per_s: round(r.mbPerS, 2),
        docs_per_s: round(r.docsPerS, 2),
        docs: r.docs,
        mb: round(r.bytes / MiB, 1),
        seconds: round(r.seconds, 1),
        failed: r.failed,
        per_job_ms: { uploaded_to_completed: round(r.breakdown.jobMs, 1), stages: stages(r.breakdown) },
      },
      ...(e2e.cpuProfile
        ? {
            worker_cpu_profile: {
              file: path.relative(repo, e2e.cpuProfile.file),
              ...(await printProfileTop(e2e.cpuProfile.file, 15, e2e.cpuProfile.window)),
            },
          }
        : {}),
      warmup_docs: WARMUP_DOCS,
      note: "headline: real documents of the shared corpus (intake-supported, no images, deduplicated), end to end vs the bare pipeline (ParseExecutor c=4 → chunkText → hash embedder, in process, no queue or storage), each timed after the same untimed warm-up documents; per-stage means from job_events",
    };
    const cpu = Object.entries(e2e.cpuS)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([k, v]) => `${k.replace(/ \(.*\)$/, "")} ${round(v, 1)}`)
      .join(", ");
    const perStage = e2e.breakdown.stages
      .map((s) => `${s.stage} ${round(s.runMs, 0)}+${round(s.queuedMs, 0)}q`)
      .join(", ");
    rows.push([
      `ingest, ${docs.length} corpus docs (${Object.keys(types).length} formats) vs bare pipeline`,
      `${round(e2e.mbPerS, 2)} MB/s`,
      `${round(bare.mbPerS, 2)} MB/s`,
      `${round(e2e.mbPerS / bare.mbPerS, 2)}x`,
      `${round(e2e.docsPerS, 1)} / ${round(bare.docsPerS, 1)} docs/s, ${round(realMb, 1)} MB, failed ${e2e.failed} / ${bare.failed}; ms per job: ${perStage}; text object write ${round(probe.writeMs, 1)} + read ${round(probe.readMs, 1)} ms; CPU s ${cpu} vs bare ${round(Object.values(bare.cpuS)[0] ?? 0, 1)}; target ≥ 0.7x`,
    ]);
    rows.push([
      "ingest, generated mix (txt, md, html, pdf, docx; hash embedder)",
      `${round(r.mbPerS, 2)} MB/s`,
      "",
      "",
      `${round(r.docsPerS, 2)} docs/s, ${r.docs} docs, ${round(r.bytes / MiB, 1)} MB, failed ${r.failed}`,
    ]);
  }

  if (only.has("memory")) {
    log(
      `memory: ${plan.textBytes.map((b) => b / MiB).join(" and ")} MB text and a ${plan.pdfPages}-page PDF through fresh worker processes`,
    );
    const m = await measureMemory(stack, { textBytes: plan.textBytes, pdfPages: plan.pdfPages });
    const peaks: Record<string, number> = { idle: round(m.idleMb, 1) };
    for (const c of m.cases) peaks[c.name] = round(c.peakRssMb, 1);
    out.worker_peak_rss_mb = peaks;
    out.worker_memory_cases = m.cases.map((c) => ({
      ...c,
      fileMb: round(c.fileMb, 1),
      peakRssMb: round(c.peakRssMb, 1),
      seconds: round(c.seconds, 1),
    }));
    rows.push(["worker peak RSS idle", `${round(m.idleMb, 1)} MB`, "", "", "VmHWM"]);
    for (const c of m.cases) {
      rows.push([
        `worker peak RSS ${c.name}`,
        `${round(c.peakRssMb, 1)} MB`,
        "",
        "",
        `${c.status} in ${round(c.seconds, 1)} s; target < 256 MB`,
      ]);
    }
  }

  if (only.has("ocr")) {
    const pages = quick ? 4 : 12;
    log(`ocr: ${pages} dense pages as an image-only PDF and as a TIFF, one page at a time`);
    const cases = await benchOcr(pages);
    out.ocr = cases;
    for (const c of cases) {
      rows.push([
        `OCR ${c.name}`,
        `${c.pagesPerSecond} pages/s`,
        "",
        "",
        `p50 ${c.pageMsP50} ms/page; peak RSS tree ${c.peakTreeRssMb} MB, one tesseract ${c.peakChildRssMb} MB`,
      ]);
    }
  }

  out.duration_s = round((Date.now() - started) / 1000, 1);
  out.generated_at = new Date().toISOString();
  const dir = path.join(repo, ".intake/bench");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "latest.json"), `${JSON.stringify(out, null, 2)}\n`);
  const mach = out.machine as Record<string, unknown>;
  console.log(
    `\nintake bench (${out.mode}) — ${mach.cpus} CPUs (${mach.cpu_model}), ${mach.memory_gb} GB, Node ${mach.node}, Postgres ${mach.postgres} (fsync ${pgVersion.fsync}), graphile-worker ${gw.version}\n`,
  );
  console.log(table(rows));
  console.log(`\nwrote .intake/bench/latest.json in ${out.duration_s} s`);
} finally {
  await stack.stop();
}
