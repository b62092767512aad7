// Import direction, enforced by `npm run lint` (see ARCHITECTURE.md). Layers, bottom up:
//   config, observability            leaves: import nothing else of intake
//   db                               the SQL layer: imports only the leaves
//   jobs, storage, resilience, pipeline, sandbox, uploads, auth, worker, runtime, webhooks, quotas   the domain
//   api, web, cli                    the edges
// client (the upload SDK, also shipped to browsers) imports nothing of the server.
const DOMAIN = "^src/(jobs|storage|resilience|pipeline|sandbox|uploads|auth|worker|runtime|webhooks|quotas)/";
const EDGES = "^src/(api|web|cli)/";
const notTest = "\\.test\\.ts$";

module.exports = {
  forbidden: [
    {
      name: "leaves-stay-leaves",
      comment: "config and observability are imported by everything, so they import nothing of intake",
      severity: "error",
      from: { path: "^src/(config|observability)/" },
      to: { path: "^src/", pathNot: "^src/(config|observability)/" },
    },
    {
      name: "sql-layer-imports-nothing-above",
      severity: "error",
      from: { path: "^src/db/", pathNot: notTest },
      to: { path: "^src/", pathNot: "^src/(db|config|observability)/" },
    },
    {
      name: "domain-does-not-import-edges",
      comment: "domain code throws domain errors; only the api layer speaks HTTP",
      severity: "error",
      from: { path: DOMAIN, pathNot: notTest },
      to: { path: EDGES },
    },
    {
      name: "web-and-api-do-not-import-the-cli",
      severity: "error",
      from: { path: "^src/(api|web)/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "web-does-not-import-api",
      severity: "error",
      from: { path: "^src/web/" },
      to: { path: "^src/api/" },
    },
    {
      name: "client-is-standalone",
      comment: "the SDK runs in browsers; it may not pull in server code",
      severity: "error",
      from: { path: "^src/client/" },
      to: { path: "^src/", pathNot: "^src/client/" },
    },
    {
      name: "src-does-not-import-tests-or-scripts",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|scripts)/" },
    },
    {
      name: "tests-do-not-import-scripts",
      severity: "error",
      from: { path: "^test/" },
      to: { path: "^scripts/" },
    },
    {
      name: "only-storage-talks-to-s3",
      comment: "every S3 call goes through the ObjectStore (retries, breaker, typed errors)",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/storage/" },
      // @smithy is the SDK's own layer (the dev S3 server's SigV4 verifier uses its signer).
      to: { path: "node_modules/(@aws-sdk|@smithy)/" },
    },
    {
      name: "only-the-sql-layer-talks-to-postgres",
      comment: "SQL lives in src/db; the domain composes its statements and never builds queries",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/db/" },
      to: { path: "node_modules/(kysely|pg|pg-[a-z-]+)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-cycles",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
