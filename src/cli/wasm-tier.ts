// `hedge start` keeps WebAssembly on V8's baseline compiler (Liftoff): the
// one WebAssembly module a gateway runs is undici's HTTP parser (llhttp), which
// parses every origin's response head.
//
// Why: after the first few responses — the start-up canary's are enough — V8
// re-compiles llhttp's one large parsing function (34 KB of WebAssembly) with
// its optimising compiler, TurboFan, on a worker thread. That one compilation
// takes ~42 MB of compiler memory (29 MB at once; `--trace-wasm-compilation-times`),
// which glibc's allocator keeps in part once freed: 0–10 MB more resident
// memory from one start to the next, the largest cause of an idle gateway
// measuring 80–93 MB (docs/operations.md, "Resident memory").
//
// The cost: Liftoff's code parses a response head more slowly — on the bench
// machine ~16,000 instead of ~8,600 instructions (callgrind) and ~0.5–1 µs
// more for a 1 KB response with nine header lines, about 1 % of the CPU a
// non-partner request costs. A response body is counted through, not parsed,
// in either tier.
//
// V8 reads these flags when it compiles a module, and undici compiles llhttp
// at its first connection (after this has run). An operator who sets
// WebAssembly tiering (--liftoff*, --wasm-tier-up, --wasm-dynamic-tiering, on
// the command line or in NODE_OPTIONS) keeps V8's behaviour with their setting.
import v8 from 'node:v8';

const chosenByOperator = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /liftoff|wasm[-_](tier[-_]up|dynamic[-_]tiering)/.test(a));

/** From now on WebAssembly is compiled by Liftoff only, never tiered up. */
export function keepWasmOnBaselineCompiler(): void {
  if (!chosenByOperator) v8.setFlagsFromString('--no-wasm-tier-up --no-wasm-dynamic-tiering');
}
