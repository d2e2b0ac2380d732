#!/usr/bin/env node
// The hedge command's entry point. It loads nothing else before it has told V8
// to hold the young generation small while `hedge start` loads and starts
// (young-generation.ts): V8 parses a module graph's every file before running
// any of them, so the hold must come before the graph of program.ts is loaded.
// It also holds V8's optimising compiler off until the gateway listens
// (optimizing-compiler.ts) and keeps WebAssembly (undici's HTTP parser) on
// V8's baseline compiler (wasm-tier.ts), before anything could compile either.
import { holdYoungGeneration } from './young-generation.js';
import { holdOptimizingCompiler } from './optimizing-compiler.js';
import { keepWasmOnBaselineCompiler } from './wasm-tier.js';

if (process.argv[2] === 'start') {
  holdYoungGeneration();
  holdOptimizingCompiler();
  keepWasmOnBaselineCompiler();
}
await import('./program.js');
