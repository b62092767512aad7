// Fallback entry of a parse thread, used when the bundled entry cannot be written (see
// thread-entry.ts): threads do not inherit the main thread's TypeScript loader, so this one
// registers it before loading the task.
const { register } = await import("tsx/esm/api");
register();
const task = await import("./parse-task.ts");
export default task.default;
