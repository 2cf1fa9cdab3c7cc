// Writes sql/operations.sql from the operations themselves (see src/render.ts).
import { writeFile } from "node:fs/promises";
import { renderOperations } from "../src/render";

await writeFile(new URL("../sql/operations.sql", import.meta.url), await renderOperations());
