// Entry of `npm run bench`: silences the AWS SDK's Node 22 notice (as bin/intake.js does)
// before anything imports the SDK, then runs the bench.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
await import("./run.js");
