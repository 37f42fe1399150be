/**
 * `npm run azure-openai:local`: runs the Azure OpenAI stand-in on its own (development only), so
 * `npm start` can answer generatively without an Azure account. Prints the two settings to use.
 * AZURE_OPENAI_STAND_IN_PORT (default 7090) and AZURE_OPENAI_STAND_IN_KEY (default: random) set it up.
 */
import { startAzureOpenAIStandIn } from './server';

async function main(): Promise<void> {
  const s = await startAzureOpenAIStandIn({
    port: Number(process.env.AZURE_OPENAI_STAND_IN_PORT ?? 7090),
    ...(process.env.AZURE_OPENAI_STAND_IN_KEY ? { apiKey: process.env.AZURE_OPENAI_STAND_IN_KEY } : {}),
  });
  process.stdout.write(
    [
      'Azure OpenAI stand-in (development only) listening on loopback. Start the API with:',
      `  AZURE_OPENAI_ENDPOINT=${s.endpoint} AZURE_OPENAI_KEY=${s.apiKey} npm start`,
      '',
    ].join('\n'),
  );
  const stop = () => void s.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
