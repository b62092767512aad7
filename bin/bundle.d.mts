/** The bundle's file URL; builds it when the sources changed since the cached one. */
export function bundledEntry(): Promise<string>;
