// Key Vault with RBAC. The app reads every secret through a Key Vault reference. Cosmos, Blob,
// Service Bus, Web PubSub and OpenAI are reached through the app's identity, so no key of theirs is
// stored; the Redis key is (its value comes from listKeys, never from a literal).
param name string
param location string
@secure()
param jwtSecretKey string
@secure()
param apiKeySalt string
param redisName string

resource redis 'Microsoft.Cache/redis@2024-03-01' existing = { name: redisName }

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
  { name: 'REDIS-PASSWORD', value: redis.listKeys().primaryKey }
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
