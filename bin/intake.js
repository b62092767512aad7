#!/usr/bin/env node
// intake's CLI entry: runs the TypeScript sources as a cached esbuild bundle (bin/bundle.mjs),
// or through tsx when the bundle cannot be built or written (INTAKE_TSX=1 forces tsx).
// intake pins Node 20 (the machines it targets); the SDK's Node 22 notice would print on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
let entry;
if (process.env.INTAKE_TSX !== "1") {
  const { bundledEntry } = await import("./bundle.mjs");
  entry = await bundledEntry().catch(() => undefined);
}
if (entry) {
  await import(entry);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
