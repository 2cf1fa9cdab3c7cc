// Writes src/generated/openapi.ts from a running API's document (OPENAPI_URL, default the local
// API) or from a file given as the first argument.
import { readFile, writeFile } from "node:fs/promises";
import { GENERATED_PATH, renderTypes } from "./render-types";

const source = process.argv[2] ?? process.env.OPENAPI_URL ?? "http://127.0.0.1:3000/openapi.json";
const document = source.startsWith("http")
  ? await (await fetch(source)).json()
  : JSON.parse(await readFile(source, "utf8"));
await writeFile(GENERATED_PATH, await renderTypes(document));
console.log(`wrote ${GENERATED_PATH.pathname}`);
