#!/usr/bin/env node
// Runs the bridge service from its TypeScript sources (tsx compiles on load; no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
