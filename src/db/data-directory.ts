import pg from "pg";

/**
 * The data directory of the Postgres at `connectionString`, or undefined when nothing answers
 * there within a second. Used to tell intake's own embedded Postgres from anything else.
 */
export async function dataDirectoryAt(connectionString: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 });
  client.on("error", () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>("SHOW data_directory");
    return rows[0]?.data_directory;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}
