param name string
param location string
@description('Allow account keys beside the identity (off: the app reaches the account with its identity).')
param allowKeyAccess bool = false
param throughput int
param autoscale bool

// Every container src/shared/adapters/cosmos.ts declares (CONTAINERS), with its partition key.
var containers = [
  { name: 'tenants', partitionKey: '/id' }
  { name: 'apiKeys', partitionKey: '/id' }
  { name: 'refreshTokens', partitionKey: '/id' }
  { name: 'spaces', partitionKey: '/tenantId' }
  { name: 'documents', partitionKey: '/tenantId' }
  { name: 'chunks', partitionKey: '/spaceId' }
  { name: 'webhooks', partitionKey: '/tenantId' }
  { name: 'webhookDeliveries', partitionKey: '/tenantId' }
  { name: 'outbox', partitionKey: '/tenantId' }
  { name: 'queries', partitionKey: '/tenantId' }
  { name: 'graphqlSubscriptions', partitionKey: '/tenantId' }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: take(toLower(name), 44)
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    enableFreeTier: false
    disableLocalAuth: !allowKeyAccess
    locations: [{ locationName: location, failoverPriority: 0 }]
    backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous30Days' } }
    minimalTlsVersion: 'Tls12'
  }
}
resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: account
  name: 'eva'
  properties: {
    resource: { id: 'eva' }
    options: autoscale ? { autoscaleSettings: { maxThroughput: throughput } } : { throughput: throughput }
  }
}
resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [
  for c in containers: {
    parent: database
    name: c.name
    properties: { resource: { id: c.name, partitionKey: { paths: [c.partitionKey], kind: 'Hash' } } }
  }
]
output name string = account.name
output endpoint string = account.properties.documentEndpoint
