// Key Vault with RBAC. The app reads every secret through a Key Vault reference. The connection
// strings are stored here until the adapters reach Blob and Service Bus through the identity
// (docs/decisions.md, Operations): their values come from listKeys, never from a literal.
param name string
param location string
@secure()
param jwtSecretKey string
@secure()
param apiKeySalt string
param storageAccountName string
param serviceBusNamespaceName string
param redisName string
param webPubSubName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: storageAccountName }
resource sb 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' existing = { name: serviceBusNamespaceName }
resource sbRule 'Microsoft.ServiceBus/namespaces/AuthorizationRules@2022-10-01-preview' existing = {
  parent: sb
  name: 'RootManageSharedAccessKey'
}
resource redis 'Microsoft.Cache/redis@2024-03-01' existing = { name: redisName }
resource wps 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = { name: webPubSubName }

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: take(name, 24)
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}
var secrets = [
  { name: 'JWT-SECRET-KEY', value: jwtSecretKey }
  { name: 'API-KEY-SALT', value: apiKeySalt }
  {
    name: 'BLOB-STORAGE-CONNECTION-STRING'
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
  { name: 'SERVICE-BUS-CONNECTION-STRING', value: sbRule.listKeys().primaryConnectionString }
  { name: 'REDIS-PASSWORD', value: redis.listKeys().primaryKey }
  { name: 'WEB-PUBSUB-CONNECTION-STRING', value: wps.listKeys().primaryConnectionString }
]
resource vaultSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for s in secrets: {
    parent: vault
    name: s.name
    properties: { value: s.value }
  }
]
output name string = vault.name
output uri string = vault.properties.vaultUri
