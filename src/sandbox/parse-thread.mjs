// Entry of a parse thread. Threads do not inherit the TypeScript loader the main thread
// registered, so each registers it before loading the task.
const { register } = await import("tsx/esm/api");
register();
const task = await import("./parse-task.ts");
export default task.default;
