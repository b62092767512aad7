/** The launcher's bundle (src/cli/main.ts) as a file URL; see `cachedBundle`. */
export function bundledEntry(): Promise<string>;

/**
 * `entry` (a module under src/) bundled with what it imports of src/, cached as
 * `<name>.<hash of the sources>.mjs` under node_modules/.cache/intake/; its file URL.
 */
export function cachedBundle(name: string, entry: string): Promise<string>;
