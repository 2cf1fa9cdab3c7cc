// `pnpm build` for the API: one ESM bundle per entry point in dist/ (the server and the operator
// commands), with the workspace packages compiled in and every npm dependency left to
// node_modules (PGlite's WebAssembly and the reference page's assets load from their packages).
// esbuild rather than tsc: the sources import each other without file extensions, which Node's
// ESM loader does not resolve, and a bundle needs no other package built first.
import { build } from "esbuild";

const entryPoints = {
  main: "src/main.ts",
  reencrypt: "src/commands/reencrypt.ts",
  "verify-integrity": "src/commands/verify-integrity.ts",
  "audit-prune": "src/commands/audit-prune.ts",
};

await build({
  entryPoints,
  // Flat: every bundle sits where src/config.ts finds the repository root (three levels up).
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  sourcemap: true,
  logLevel: "warning",
  banner: {
    // Bundled CommonJS dependencies of workspace code may call require().
    js: "import { createRequire as __vaultRequire } from 'node:module'; const require = __vaultRequire(import.meta.url);",
  },
  plugins: [
    {
      name: "external-npm-packages",
      setup(builder) {
        builder.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@vibot/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
console.log(`built ${Object.keys(entryPoints).length} bundles in apps/api/dist`);
