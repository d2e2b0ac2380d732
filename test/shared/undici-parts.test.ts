// src/shared/undici.ts loads undici's Agent, connector and errors file by file
// (the package's index would load fetch, WebSocket, caches and mocks too, ~9 MB
// resident). Those files must stay the package's own exports: an upgrade that
// moves them fails here, not in production.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, buildConnector, errors } from 'undici';
import { UndiciAgent, undiciConnector, undiciErrors } from '../../src/shared/undici.js';

test("the undici parts loaded file by file are the package's own exports", () => {
  assert.equal(UndiciAgent, Agent);
  assert.equal(undiciConnector, buildConnector);
  assert.equal(undiciErrors, errors);
  assert.equal(undiciErrors.ConnectTimeoutError, errors.ConnectTimeoutError);
});
