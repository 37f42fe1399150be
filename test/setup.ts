// Test-wide setup. The local host's functions-core stand-in is installed here (by local/functions-core.ts)
// so that app.http / app.serviceBusQueue / app.timer registrations are captured, not skipped.
import { installFunctionsCore } from '../local/functions-core';

process.env.ENVIRONMENT ??= 'test';
process.env.LOG_LEVEL ??= 'silent';
installFunctionsCore();
