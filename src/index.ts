// hedge's public API (the package's "." export): load a config and run a
// gateway node in your own process, the way `hedge start` does. What is not
// exported here is internal and may change in any release (see CHANGELOG.md).
// The partner kit (verify a signed enrichment, open a sealed value) is the
// separate package hedge-partner (packages/partner), bundled with this one.
export { startGateway, type GatewayOptions, type RunningGateway } from './node/gateway.js';
export { loadConfigFile, parseConfig, type LoadedConfig, type ParseOptions } from './config/load.js';
export { type Config, type PartnerConfig } from './config/schema.js';
export { configJsonSchema } from './config/json-schema.js';
export { secret, type SecretUse, type SecretSource } from './config/secret.js';
export { createLogger, silentLogger, logLevelOf, type Logger, type LoggerOptions, type Level } from './shared/log.js';
export { ErrorCodes, HedgeError, ConfigError, formatIssue, type ErrorCode, type ConfigIssue } from './shared/errors.js';
export { VERSION } from './shared/version.js';
