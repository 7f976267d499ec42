#!/usr/bin/env node
// Runs anchor-demo from its TypeScript sources (tsx compiles on load; no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/anchor-demo.main.ts');
