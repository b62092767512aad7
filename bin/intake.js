#!/usr/bin/env node
// intake's CLI entry: registers tsx so the TypeScript sources run as they are (no build step).
// intake pins Node 20 (the machines it targets); the SDK's Node 22 notice would print on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
