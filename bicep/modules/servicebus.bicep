param name string
param location string
@description('Allow SAS keys beside the identity (off: the app reaches the namespace with its identity).')
param allowKeyAccess bool = false

// Every queue src/shared/ports.ts declares (QUEUE_PROPERTIES): lock, max delivery count, duplicate detection.
var queues = [
  { name: 'events', lockDuration: 'PT1M', maxDeliveryCount: 10, duplicateDetectionWindow: 'PT10M' }
  { name: 'webhook-deliveries', lockDuration: 'PT1M', maxDeliveryCount: 10, duplicateDetectionWindow: 'PT10M' }
  { name: 'document-processing', lockDuration: 'PT5M', maxDeliveryCount: 10, duplicateDetectionWindow: 'PT10M' }
  { name: 'space-cleanup', lockDuration: 'PT1M', maxDeliveryCount: 10, duplicateDetectionWindow: 'PT10M' }
  { name: 'queries', lockDuration: 'PT1M', maxDeliveryCount: 10, duplicateDetectionWindow: 'PT10M' }
  { name: 'realtime-push', lockDuration: 'PT1M', maxDeliveryCount: 10, duplicateDetectionWindow: 'PT10M' }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: take(name, 50)
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { minimumTlsVersion: '1.2', disableLocalAuth: !allowKeyAccess }
}
resource sbQueues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [
  for q in queues: {
    parent: namespace
    name: q.name
    properties: {
      lockDuration: q.lockDuration
      maxDeliveryCount: q.maxDeliveryCount
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: q.duplicateDetectionWindow
      deadLetteringOnMessageExpiration: true
    }
  }
]
output name string = namespace.name
output id string = namespace.id
// {namespace}.servicebus.windows.net (serviceBusEndpoint is https://{host}:443/).
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
