// Embedded dev mode: random development secrets on first start (mode 0600, reused afterwards) and
// a demo company with an admin user and a connector, so a newcomer can try the API at once.
import { randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ADMIN_ROLE, type DatabaseHandle } from "@vibot/db";
import { companies, integrationConnectors, users } from "@vibot/db/schema";
import { SignJWT } from "jose";
import { z } from "zod";

const devSecretsSchema = z.object({
  jwtSecret: z.string().min(32),
  keyring: z.string().min(1),
  demo: z.object({ companyId: z.uuid(), userId: z.uuid(), connectorId: z.uuid() }),
});
export type DevSecrets = z.infer<typeof devSecretsSchema>;

/** A fresh ledger key for the dev keyring. */
const devLedger = () => ({
  active: "devledger1",
  keys: { devledger1: randomBytes(32).toString("base64") },
});

/**
 * A dev keyring written before the ledger had keys of its own gains one (the file is rewritten);
 * events sealed before then keep verifying under the data key that sealed them.
 */
function withLedgerKey(secrets: DevSecrets): DevSecrets | undefined {
  const keyring = JSON.parse(secrets.keyring) as Record<string, unknown>;
  if (keyring.ledger) return undefined;
  return { ...secrets, keyring: JSON.stringify({ ...keyring, ledger: devLedger() }) };
}

function generate(): DevSecrets {
  return {
    jwtSecret: randomBytes(32).toString("base64url"),
    keyring: JSON.stringify({
      active: "dev1",
      keys: { dev1: randomBytes(32).toString("base64") },
      ledger: devLedger(),
    }),
    demo: { companyId: randomUUID(), userId: randomUUID(), connectorId: randomUUID() },
  };
}

/** Loads `<data dir>/../dev-secrets.json`, creating it on first start; in memory for memory://. */
export async function loadDevSecrets(
  pgliteDataDir: string,
): Promise<{ secrets: DevSecrets; path?: string }> {
  if (pgliteDataDir.startsWith("memory://")) return { secrets: generate() };
  const path = join(dirname(pgliteDataDir), "dev-secrets.json");
  try {
    const existing = devSecretsSchema.parse(JSON.parse(await readFile(path, "utf8")));
    const upgraded = withLedgerKey(existing);
    if (upgraded) await writeFile(path, `${JSON.stringify(upgraded, null, 2)}\n`, { mode: 0o600 });
    return { secrets: upgraded ?? existing, path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(
        `${path} is not a valid dev secrets file; delete it (and the dev database) to start over`,
      );
    }
  }
  const secrets = generate();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await chmod(path, 0o600);
  return { secrets, path };
}

/** Creates the demo company, admin user and connector unless they exist. */
export async function seedDemo(database: DatabaseHandle, demo: DevSecrets["demo"]): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx
      .insert(companies)
      .values({ id: demo.companyId, name: "Demo company" })
      .onConflictDoNothing();
    await tx
      .insert(users)
      .values({ id: demo.userId, companyId: demo.companyId, email: "admin@demo.invalid" })
      .onConflictDoNothing();
    await tx
      .insert(integrationConnectors)
      .values({
        id: demo.connectorId,
        companyId: demo.companyId,
        name: "Demo CRM",
        provider: "hubspot",
      })
      .onConflictDoNothing();
  });
}

/** A Supabase-shaped access token for the demo admin. */
export function demoAdminToken(
  jwtSecret: string,
  demo: DevSecrets["demo"],
  audience = "authenticated",
): Promise<string> {
  return new SignJWT({
    role: "authenticated",
    company_id: demo.companyId,
    roles: [ADMIN_ROLE],
    email: "admin@demo.invalid",
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(demo.userId)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime("24h")
    .sign(new TextEncoder().encode(jwtSecret));
}
