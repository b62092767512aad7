/*
 * The upload page's script (browser only): one card per file with a bar for the bytes sent and
 * one per stage, fed by the SDK's upload and its SSE watch (polling when SSE is unavailable).
 */

import { IntakeError, type Job, type JobEvent, upload } from "../client/index.js";
import { applyJobEvent, initialStages, STAGES, type StageView } from "../client/job-stages.js";
import { explainError } from "./error-messages.js";

const KEY = "intake.apiKey";
const keyInput = document.querySelector<HTMLInputElement>("#api-key")!;
const list = document.querySelector<HTMLElement>("#list")!;
const drop = document.querySelector<HTMLElement>("#drop")!;
const picker = document.querySelector<HTMLInputElement>("#files")!;

keyInput.value = localStorage.getItem(KEY) ?? "";
keyInput.addEventListener("change", () => localStorage.setItem(KEY, keyInput.value.trim()));
document.querySelector("#key-form")!.addEventListener("submit", (e) => e.preventDefault());

picker.addEventListener("change", () => {
  startAll([...(picker.files ?? [])]);
  picker.value = "";
});
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  startAll([...(e.dataTransfer?.files ?? [])]);
});

function startAll(files: File[]) {
  const apiKey = keyInput.value.trim();
  if (apiKey) localStorage.setItem(KEY, apiKey);
  for (const file of files) void uploadOne(file, apiKey);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.textContent = text;
  return node;
}

function card(file: File) {
  const root = el("article", { class: "file", "data-status": "uploading" });
  const status = el("span", { class: "status" }, "uploading");
  const header = el("header");
  header.append(el("span", { class: "name" }, file.name), status);
  const bars = el("div", { class: "bars" });
  const bytes = el("progress", {
    class: "bytes",
    max: String(file.size || 1),
    value: "0",
  }) as HTMLProgressElement;
  bars.append(el("span", {}, "upload"), bytes);
  const stageBars = Object.fromEntries(
    STAGES.map((s) => {
      const bar = el("progress", { class: `stage stage-${s}`, max: "1", value: "0" }) as HTMLProgressElement;
      bars.append(el("span", {}, s), bar);
      return [s, bar];
    }),
  ) as Record<(typeof STAGES)[number], HTMLProgressElement>;
  const error = el("p", { class: "error", hidden: "" });
  root.append(header, bars, error);
  list.prepend(root);

  let view: StageView = { status: "uploading", stages: initialStages() };
  const setStatus = (s: string) => {
    root.dataset.status = s;
    status.textContent = s;
  };
  return {
    bytes: (sent: number) => {
      bytes.value = sent;
    },
    event: (e: JobEvent) => {
      view = applyJobEvent(view, e);
      for (const s of STAGES) {
        const state = view.stages[s];
        const fraction = state === "running" && e.data.stage === s ? stageFraction(e.data) : null;
        if (state === "running" && fraction === null) stageBars[s].removeAttribute("value");
        else stageBars[s].value = state === "done" ? 1 : (fraction ?? 0);
      }
      setStatus(view.status);
    },
    done: (job: Job) => setStatus(job.status),
    fail: (message: string, jobStatus?: string) => {
      setStatus(jobStatus ?? "failed");
      error.hidden = false;
      error.textContent = message;
    },
  };
}

/** The (done, total) pairs workers report: parse bytes, chunk characters, embed chunks. */
const PROGRESS_PAIRS = [
  ["bytesRead", "bytesTotal"],
  ["charsChunked", "charsTotal"],
  ["chunksEmbedded", "chunksTotal"],
] as const;

/** A running stage's fraction done, when its progress event carries a count and a total. */
function stageFraction(data: Record<string, unknown>): number | null {
  for (const [doneKey, totalKey] of PROGRESS_PAIRS) {
    const done = Number(data[doneKey]);
    const total = Number(data[totalKey]);
    if (Number.isFinite(done) && total > 0) return Math.min(1, done / total);
  }
  return null;
}

async function uploadOne(file: File, apiKey: string) {
  const view = card(file);
  if (!apiKey) return view.fail("Enter your API key above, then add the file again.");
  try {
    const { job } = await upload(file, {
      url: location.origin,
      apiKey,
      onBytes: (p) => view.bytes(p.sent),
      watch: { onEvent: (e) => view.event(e) },
    });
    view.done(job);
  } catch (err) {
    const job = err instanceof IntakeError ? (err.extra.job as Job | undefined) : undefined;
    view.fail(explainError(err), job?.status);
  }
  // The admin view (admin-view.ts) lists jobs from the API; a finished upload changes that list.
  document.dispatchEvent(new Event("intake:jobs-changed"));
}
