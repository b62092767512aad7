import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
let t: TestApp;
let doc: any;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
  const res = await t.call("GET", "/openapi.json", undefined, { key: null });
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(() => ctx.close());

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Every `$ref` in the document, with where it was found. */
function refs(node: unknown, at = "#"): [string, string][] {
  if (!node || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === "$ref" ? [[v as string, at] as [string, string]] : refs(v, `${at}/${k}`),
  );
}

describe("GET /openapi.json", () => {
  it("describes every /v1 route the app serves, and nothing it does not", () => {
    const served = new Set(
      t.app.routes
        .filter((r) => r.path.startsWith("/v1") && METHODS.includes(r.method.toLowerCase()))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const described = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops as object)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m} ${path}`),
      ),
    );
    expect(served.size).toBeGreaterThanOrEqual(13);
    expect([...described].sort()).toEqual([...served].sort());
  });

  it("gives every operation a success response and its error codes, with resolvable refs", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, { responses: Record<string, any> }>)) {
        const statuses = Object.keys(op.responses);
        expect(
          // A success is a 2xx, or a redirect for routes that hand the client to storage.
          statuses.some((s) => s.startsWith("2") || s === "302"),
          `${method} ${path}`,
        ).toBe(true);
        const errors = statuses.filter((s) => Number(s) >= 400);
        expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const s of errors) {
          const schema = op.responses[s].content["application/problem+json"].schema;
          expect(schema.allOf[1].properties.code.enum.length, `${method} ${path} ${s}`).toBeGreaterThan(0);
        }
      }
    }
    for (const [ref, at] of refs(doc)) {
      const name = ref.replace("#/components/schemas/", "");
      expect(doc.components.schemas[name], `${ref} at ${at}`).toBeDefined();
    }
  });

  it("takes request bodies from the zod schemas the routes validate with", () => {
    const create = doc.components.schemas.CreateUpload;
    expect(create.required.sort()).toEqual(["contentType", "filename", "size"]);
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.method.enum).toEqual(["PUT", "POST"]);
    expect(doc.components.schemas.SignParts.properties.partNumbers.maxItems).toBe(1000);
    expect(doc.paths["/v1/uploads"].post.requestBody.content["application/json"].schema.$ref).toBe(
      "#/components/schemas/CreateUpload",
    );
  });

  it("lists the codes the routes actually answer with", async () => {
    const documented = (path: string, method: string, status: number): string[] =>
      doc.paths[path][method].responses[status].content["application/problem+json"].schema.allOf[1].properties
        .code.enum;
    const cases: [Promise<Response>, string, string, number][] = [
      [t.call("POST", "/v1/uploads", { filename: "" }), "/v1/uploads", "post", 400],
      [t.call("POST", "/v1/uploads", "{not json"), "/v1/uploads", "post", 400],
      [t.call("GET", `/v1/jobs/${randomUUID()}`), "/v1/jobs/{id}", "get", 404],
      [t.call("GET", "/v1/jobs", undefined, { key: null }), "/v1/jobs", "get", 401],
      [t.call("GET", "/v1/jobs?status=nope"), "/v1/jobs", "get", 400],
      [t.call("GET", `/v1/jobs/${randomUUID()}/events?after=x`), "/v1/jobs/{id}/events", "get", 400],
    ];
    for (const [pending, path, method, status] of cases) {
      const res = await pending;
      expect(res.status, `${method} ${path}`).toBe(status);
      const { code } = (await res.json()) as { code: string };
      expect(documented(path, method, status), `${method} ${path}`).toContain(code);
    }
  });
});

describe("quotas and rate limits in /openapi.json", () => {
  const codes = (op: any, status: string) =>
    op.responses[status].content["application/problem+json"].schema.allOf[1].properties.code.enum;

  it("documents 413 quota_exceeded and 429 rate_limited with Retry-After where limits refuse", () => {
    const create = doc.paths["/v1/uploads"].post;
    expect(codes(create, "413")).toEqual(["file_too_large", "quota_exceeded"]);
    expect(codes(create, "429")).toEqual(["rate_limited"]);
    expect(create.responses["429"].headers["Retry-After"].schema.type).toBe("integer");
    const events = doc.paths["/v1/jobs/{id}/events"].get;
    expect(codes(events, "429")).toEqual(["rate_limited", "quota_exceeded"]);
    expect(codes(events, "503")).toEqual(["too_many_streams"]);
    expect(events.responses["503"].headers["Retry-After"].schema.type).toBe("integer");
    // Failed authentication is limited on every authenticated route.
    expect(codes(doc.paths["/v1/jobs"].get, "429")).toEqual(["rate_limited"]);
    expect(doc.components.schemas.Problem.properties.limit.type).toBe("integer");
  });
});
