// The hand-written equivalents (packages/db/src/equivalents.ts, rendered in sql/operations.sql) as
// pgbench scripts over the bench's connectors, with their variables set from the bench's keyring.
import type { Keyring } from "@vibot/crypto";
import { readEquivalent, rotationEquivalent } from "@vibot/db/equivalents";

/** pgbench script text and its `-D` variables. */
export interface Script {
  text: string;
  defines: string[];
}

/** The variables both scripts use (EQUIVALENT_VARIABLES). */
function variables(keyring: Keyring, claims: string, company: string, actor: string): string[] {
  const { active } = keyring;
  return [
    `claims=${claims}`,
    `kid=${active.kid}`,
    `enc=${active.encryptionKey}`,
    `mac=${active.macKey.toString("hex")}`,
    `company=${company}`,
    `actor=${actor}`,
    'secret={"apiKey":"pgbench"}',
  ];
}

/** Each script picks a random one of `count` connectors (`connectorAt("n")`) per transaction. */
export function equivalentScripts(
  keyring: Keyring,
  who: { claims: string; company: string; actor: string },
  read: { connectorAt: (n: string) => string; count: number },
  rotate: { connectorAt: (n: string) => string; count: number },
): { readQuiet: Script; read: Script; rotation: Script } {
  const defines = variables(keyring, who.claims, who.company, who.actor);
  const script = (count: number, statements: string[]): Script => ({
    text: [`\\set n random(1, ${count})`, ...statements, ""].join("\n"),
    defines,
  });
  return {
    readQuiet: script(read.count, readEquivalent(read.connectorAt("n"), false)),
    read: script(read.count, readEquivalent(read.connectorAt("n"), true)),
    rotation: script(rotate.count, rotationEquivalent(rotate.connectorAt("n"))),
  };
}
