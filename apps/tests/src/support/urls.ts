// URLs of the PostgreSQL server named by DATABASE_URL, pointed at another database.

/** DATABASE_URL with its database replaced by `database`. */
export function serverUrl(database: string, user?: string): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (user) {
    parsed.username = user;
    parsed.password = "";
  }
  return parsed.toString();
}
