// The parts of undici hedge uses, each loaded from its own file. `import …
// from 'undici'` evaluates the whole package — fetch, WebSocket, EventSource,
// the caches, the mock agents, the interceptors — about 9 MB of resident
// memory that a gateway never uses (docs/operations.md, "Resident memory").
// undici has no "exports" map, so these files are part of what the package
// publishes; test/shared/undici-parts.test.ts checks that they are the very
// objects the package exports, so an upgrade that moves them fails there.
// Types come from the package itself (`import type` loads nothing).
import { createRequire } from 'node:module';
import type { Agent, buildConnector, errors } from 'undici';

const require = createRequire(import.meta.url);

/** undici's Agent (pooled keep-alive clients per origin). */
export const UndiciAgent = require('undici/lib/dispatcher/agent.js') as typeof Agent;
/** undici's TCP/TLS connector factory. */
export const undiciConnector = require('undici/lib/core/connect.js') as typeof buildConnector;
/** undici's error classes. */
export const undiciErrors = require('undici/lib/core/errors.js') as typeof errors;
