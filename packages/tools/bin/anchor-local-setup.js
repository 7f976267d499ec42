#!/usr/bin/env node
// Runs anchor-local-setup from its TypeScript sources (tsx compiles on load; no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/anchor-local-setup.main.ts');
