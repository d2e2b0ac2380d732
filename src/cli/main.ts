#!/usr/bin/env node
// The hedge command's entry point. It loads nothing else before it has told V8
// to hold the young generation small while `hedge start` loads and starts
// (young-generation.ts): V8 parses a module graph's every file before running
// any of them, so the hold must come before the graph of program.ts is loaded.
import { holdYoungGeneration } from './young-generation.js';

if (process.argv[2] === 'start') holdYoungGeneration();
await import('./program.js');
