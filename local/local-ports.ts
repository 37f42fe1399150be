/**
 * Where `npm start` puts its embedded emulators: the usual Cosmos emulator and Azurite ports, so that
 * other local processes (the `keys` command) find a running host's data. Overridable for machines
 * where those ports are taken.
 */
export const LOCAL_COSMOS_PORT = Number(process.env.COSMOS_EMULATOR_PORT ?? 8081);
export const LOCAL_BLOB_PORT = Number(process.env.BLOB_EMULATOR_PORT ?? 10000);
