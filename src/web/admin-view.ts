/*
 * The page's admin view (browser only): the tenant's jobs from GET /v1/jobs with filters, why
 * a waiting job waits, retry and cancel, and a completed job's chunks and document. Everything
 * shown comes from the API, so a reload shows the same jobs; every value is set as text
 * (`textContent`, attributes by `setAttribute`), never as HTML, since a filename is anyone's.
 */

import {
  type ClientOptions,
  cancelJob,
  deleteJob,
  getDocument,
  type Job,
  type JobFilters,
  listChunks,
  listJobEvents,
  listJobs,
  retryJob,
} from "../client/index.js";
import { explainError } from "./error-messages.js";
import { explainWaiting, lastRelease } from "./job-waiting.js";

const KEY = "intake.apiKey";
const keyInput = document.querySelector<HTMLInputElement>("#api-key")!;
const section = document.querySelector<HTMLElement>("#admin")!;
const filters = document.querySelector<HTMLFormElement>("#job-filters")!;
const rows = document.querySelector<HTMLTableSectionElement>("#jobs tbody")!;
const more = document.querySelector<HTMLButtonElement>("#jobs-more")!;
const message = document.querySelector<HTMLElement>("#jobs-message")!;
const detail = document.querySelector<HTMLElement>("#job-detail")!;

/** Waiting jobs whose events are read to find their latest release, per page. */
const EXPLAIN_AT_MOST = 20;
const PAGE = 25;

let nextCursor: string | null = null;

const client = (): ClientOptions => ({ url: location.origin, apiKey: keyInput.value.trim() });

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.textContent = text;
  return node;
}

function currentFilters(): JobFilters {
  const form = new FormData(filters);
  const value = (name: string) => String(form.get(name) ?? "").trim() || undefined;
  return {
    status: value("status") as JobFilters["status"],
    stage: value("stage") as JobFilters["stage"],
    errorCode: value("errorCode"),
  };
}

function showMessage(text: string | null) {
  message.hidden = text === null;
  message.textContent = text ?? "";
}

/** Reloads the list from the first page (`append`: the next page after the last one). */
async function load(append = false) {
  if (!client().apiKey) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  try {
    const page = await listJobs(client(), {
      ...currentFilters(),
      limit: PAGE,
      cursor: append ? (nextCursor ?? undefined) : undefined,
    });
    if (!append) rows.replaceChildren();
    nextCursor = page.nextCursor;
    more.hidden = nextCursor === null;
    const waiting = page.jobs.filter(isWaiting).slice(0, EXPLAIN_AT_MOST);
    for (const job of page.jobs) rows.append(jobRow(job, waiting.includes(job)));
    section.dataset.loaded = String(rows.children.length);
    showMessage(page.jobs.length === 0 && !append ? "No jobs match." : null);
  } catch (err) {
    rows.replaceChildren();
    showMessage(explainError(err));
  }
}

const isWaiting = (job: Job) => job.status === "queued" || job.status === "running";

function jobRow(job: Job, explain: boolean) {
  const tr = el("tr", { class: "job", "data-id": job.id, "data-status": job.status });
  tr.append(
    el("td", { class: "name" }, job.filename),
    el("td", { class: "status" }, job.status),
    el("td", { class: "stage" }, job.stage),
    el(
      "td",
      { class: "created" },
      String(job.createdAt ?? "")
        .replace("T", " ")
        .slice(0, 19),
    ),
  );
  const why = el("td", { class: "why" });
  const renderWhy = (lines: string[]) => why.replaceChildren(...lines.map((l) => el("div", {}, l)));
  renderWhy(explainWaiting(job, null));
  if (explain) {
    void listJobEvents(client(), job.id)
      .then((page) => renderWhy(explainWaiting(page.job, lastRelease(page.events))))
      .catch(() => {});
  }
  const actions = el("td", { class: "actions" });
  for (const action of actionsFor(job)) {
    const button = el("button", { type: "button", class: action.name }, action.label);
    button.addEventListener("click", () => void runAction(button, () => action.run(client(), job.id)));
    actions.append(button);
  }
  if (job.status === "completed") {
    actions.append(
      viewButton("chunks", "Chunks", async () => {
        const { chunks, nextAfter } = await listChunks(client(), job.id, { limit: 20 });
        const lines = chunks.map((c) => `#${c.seq} ${c.text}`);
        return [...lines, ...(nextAfter !== null ? ["…"] : [])].join("\n\n");
      }),
      viewButton("document", "Document", async () => (await getDocument(client(), job.id)).text),
    );
  }
  tr.append(why, actions);
  return tr;
}

/** The buttons a job gets; each calls one API route and reloads the list. */
function actionsFor(job: Job) {
  const all = [
    { name: "retry", label: "Retry", when: job.status === "failed", run: retryJob },
    {
      name: "cancel",
      label: "Cancel",
      when: ["awaiting_upload", "queued", "running"].includes(job.status),
      run: cancelJob,
    },
    {
      name: "delete",
      label: "Delete",
      when: true,
      // Deleting removes the file, the text and the chunks for good: ask first.
      run: (c: ClientOptions, id: string) =>
        window.confirm(`Delete ${job.filename} and everything made from it?`)
          ? deleteJob(c, id)
          : Promise.resolve(),
    },
  ];
  return all.filter((a) => a.when);
}

async function runAction(button: HTMLButtonElement, run: () => Promise<unknown>) {
  button.disabled = true;
  try {
    await run();
    await load();
  } catch (err) {
    showMessage(explainError(err));
    button.disabled = false;
  }
}

function viewButton(name: string, label: string, read: () => Promise<string>) {
  const button = el("button", { type: "button", class: name }, label);
  button.addEventListener("click", async () => {
    detail.hidden = false;
    detail.dataset.view = name;
    detail.textContent = "Loading…";
    try {
      detail.textContent = await read();
    } catch (err) {
      detail.textContent = explainError(err);
    }
  });
  return button;
}

filters.addEventListener("submit", (e) => {
  e.preventDefault();
  void load();
});
more.addEventListener("click", () => void load(true));
document.querySelector("#jobs-refresh")!.addEventListener("click", () => void load());
keyInput.addEventListener("change", () => void load());
document.addEventListener("intake:jobs-changed", () => void load());
// The upload page stores the key on change; read it here too in case this module runs first.
keyInput.value ||= localStorage.getItem(KEY) ?? "";
void load();
