// Parse Mermaid diagrams with the real parser: node check.mjs FILE...  (exit 1 on the first error)
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  const blocks = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  const diagrams = blocks.length ? blocks : [text];
  for (const d of diagrams) {
    try {
      const r = await mermaid.parse(d);
      console.log(`ok ${file}: ${r.diagramType}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${file}: ${e.message ?? e}`);
    }
  }
}
process.exit(failed ? 1 : 0);
