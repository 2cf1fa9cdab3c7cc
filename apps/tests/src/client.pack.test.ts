// @vibot/client as a package: built, packed with pnpm (its publishConfig points exports at dist/),
// installed with npm in a project outside the workspace, and imported there with its types.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { engine } from "./support/database";

const run = promisify(execFile);
const clientDir = new URL("../../../packages/client/", import.meta.url).pathname;

// The package does not depend on the database engine: once, in the PGlite project.
it.runIf(engine === "pglite")(
  "installs from its tarball outside the workspace and works there",
  async () => {
    await run(join(clientDir, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], {
      cwd: clientDir,
    });
    const packed = await mkdtemp(join(tmpdir(), "vibot-pack-"));
    await run("npx", ["-y", "pnpm@10.34.9", "pack", "--pack-destination", packed], {
      cwd: clientDir,
    });
    const [tarball] = await readdir(packed);
    expect(tarball).toMatch(/^vibot-client-.*\.tgz$/);

    const project = await mkdtemp(join(tmpdir(), "vibot-consumer-"));
    await writeFile(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await run("npm", ["install", "--no-audit", "--no-fund", join(packed, tarball ?? "")], {
      cwd: project,
    });
    const installed = join(project, "node_modules/@vibot/client");
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8"));
    expect(manifest.exports["."]).toEqual({
      types: "./dist/index.d.ts",
      default: "./dist/index.js",
    });
    expect(await readFile(join(installed, "dist/index.d.ts"), "utf8")).toContain("./client.js");
    expect(await readFile(join(installed, "dist/client.d.ts"), "utf8")).toContain(
      "export declare function createVaultClient",
    );
    expect(await readdir(installed)).not.toContain("src");

    await writeFile(
      join(project, "use.mjs"),
      `import { createVaultClient, NotFoundError, VaultError } from "@vibot/client";
const vault = createVaultClient({ baseUrl: "http://127.0.0.1:9", getToken: () => "t", realtime: false, retry: { retries: 0 } });
const error = await vault.health().catch((e) => e);
console.log(JSON.stringify({ getMany: typeof vault.getMany, notFound: new NotFoundError("not_found", 404, "m", "r") instanceof VaultError, unreachable: error?.name }));
await vault.close();`,
    );
    const { stdout } = await run(process.execPath, ["use.mjs"], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      getMany: "function",
      notFound: true,
      unreachable: "VaultUnreachableError",
    });
  },
  180_000,
);
