/**
 * A preInvocation hook (the Functions worker runs it before every invocation; so does the local
 * host) that runs each queue message and timer run as a CONSUMER span: a request in Application
 * Insights, parented on the traceparent the message carries (applicationProperties, set by
 * toServiceBusMessage), else on the host's own trace context. HTTP triggers are spanned by
 * endpoint(), which knows the route and status. Logs of the invocation can read the trace id.
 */
import { app } from '@azure/functions';
import { inSpan } from './trace';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The traceparent a queue message carries (our own property, or the SDK's Diagnostic-Id). */
export function messageTraceparent(triggerMetadata: Record<string, unknown> | undefined): string | undefined {
  const many = triggerMetadata?.applicationPropertiesArray;
  const props = (triggerMetadata?.applicationProperties ?? (Array.isArray(many) ? many[0] : undefined)) as Record<string, unknown> | undefined;
  if (!props) return undefined;
  // The worker camel-cases property names (Diagnostic-Id arrives as diagnostic-Id).
  return str(props.traceparent) ?? str(props['Diagnostic-Id']) ?? str(props['diagnostic-Id']);
}

let registered = false;

export function registerInvocationTracing(): void {
  if (registered) return;
  registered = true;
  app.hook.preInvocation((ctx) => {
    const inv = ctx.invocationContext;
    const trigger = inv.options.trigger;
    const type = trigger.type.toLowerCase();
    if (type === 'httptrigger') return;
    const queue = type === 'servicebustrigger' ? queueNameOf(trigger.queueName ?? trigger.topicName) : undefined;
    const parent = (queue !== undefined ? messageTraceparent(inv.triggerMetadata) : undefined) ?? inv.traceContext?.traceParent ?? undefined;
    const original = ctx.functionHandler;
    ctx.functionHandler = (...args: unknown[]) =>
      inSpan(
        {
          name: inv.functionName,
          kind: 'consumer',
          parent,
          attributes: {
            // The request's name in Application Insights (the exporter names only SERVER spans itself).
            'ai.operation.name': inv.functionName,
            'faas.trigger': queue !== undefined ? 'pubsub' : 'timer',
            'faas.invocation_id': inv.invocationId,
            ...(queue !== undefined
              ? {
                  'messaging.system': 'servicebus',
                  'messaging.destination.name': queue,
                  'messaging.message.id': str(inv.triggerMetadata?.messageId),
                }
              : {}),
          },
        },
        // async on purpose: a handler's synchronous throw becomes a rejection inside the span.
        // eslint-disable-next-line @typescript-eslint/require-await
        async () => (original as (...a: unknown[]) => unknown)(...args),
      );
  });
}

function queueNameOf(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
