// The Function App: Linux, Node 20, Flex Consumption (Elastic Premium as a parameter),
// system-assigned identity, HTTPS only, TLS 1.2, FTP off. Every app setting below is a name of
// the config schema (src/shared/config.ts) or of the Functions host; test/unit/bicep.test.ts checks it.
param name string
param location string
@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string
param environmentName string
param storageAccountName string
param appInsightsConnectionString string
param keyVaultUri string
param cosmosEndpoint string
param blobEndpoint string
param serviceBusNamespace string
param webPubSubEndpoint string
param redisHost string
param openAiEndpoint string
param openAiChatDeployment string
@description('Embeddings deployment: set = hybrid retrieval (docs/questions.md); empty = lexical only.')
param openAiEmbeddingDeployment string
param webPubSubHub string

var flex = hostingPlan == 'FlexConsumption'
var kv = (secret string) => '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${secret}/)'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: storageAccountName }

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan'
  location: location
  kind: flex ? 'functionapp' : 'elastic'
  sku: flex ? { name: 'FC1', tier: 'FlexConsumption' } : { name: 'EP1', tier: 'ElasticPremium' }
  properties: { reserved: true }
}

var appSettings = [
  // Functions host
  { name: 'AzureWebJobsStorage__accountName', value: storage.name }
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsightsConnectionString }
  // EVA API (src/shared/config.ts)
  { name: 'ENVIRONMENT', value: environmentName == 'prod' ? 'production' : 'staging' }
  { name: 'LOG_FORMAT', value: 'json' }
  { name: 'LOG_LEVEL', value: 'info' }
  { name: 'DEBUG', value: 'false' }
  // Identity-based access: endpoints only, no key or connection string (src/shared/core/azure-auth.ts);
  // the roles are in roles.bicep.
  { name: 'COSMOS_DB_ENDPOINT', value: cosmosEndpoint }
  { name: 'COSMOS_DB_DATABASE', value: 'eva' }
  { name: 'BLOB_STORAGE_ACCOUNT_URL', value: blobEndpoint }
  { name: 'BLOB_STORAGE_CONTAINER', value: 'documents' }
  { name: 'SERVICE_BUS_FULLY_QUALIFIED_NAMESPACE', value: serviceBusNamespace }
  // The queue triggers name the connection SERVICE_BUS_CONNECTION_STRING; the host reads it through the identity.
  { name: 'SERVICE_BUS_CONNECTION_STRING__fullyQualifiedNamespace', value: serviceBusNamespace }
  { name: 'WEB_PUBSUB_ENDPOINT', value: webPubSubEndpoint }
  { name: 'WEB_PUBSUB_HUB', value: webPubSubHub }
  { name: 'REDIS_HOST', value: redisHost }
  { name: 'REDIS_PORT', value: '6380' }
  { name: 'REDIS_SSL', value: 'true' }
  { name: 'REDIS_PASSWORD', value: kv('REDIS-PASSWORD') }
  { name: 'AZURE_OPENAI_ENDPOINT', value: openAiEndpoint }
  { name: 'AZURE_OPENAI_DEPLOYMENT', value: openAiChatDeployment }
  { name: 'JWT_SECRET_KEY', value: kv('JWT-SECRET-KEY') }
  { name: 'API_KEY_SALT', value: kv('API-KEY-SALT') }
  { name: 'WEBHOOK_ALLOW_PRIVATE_TARGETS', value: 'false' }
  { name: 'AZURE_OPENAI_EMBEDDING_DEPLOYMENT', value: openAiEmbeddingDeployment }
]
var premiumSettings = [
  { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
  { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }
]

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  tags: { 'azd-service-name': 'api' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: 'SystemAssigned'
    functionAppConfig: flex
      ? {
          deployment: {
            storage: {
              type: 'blobContainer'
              value: '${storage.properties.primaryEndpoints.blob}app-package'
              authentication: { type: 'SystemAssignedIdentity' }
            }
          }
          runtime: { name: 'node', version: '20' }
          scaleAndConcurrency: { maximumInstanceCount: 100, instanceMemoryMB: 2048 }
        }
      : null
    siteConfig: {
      linuxFxVersion: flex ? null : 'Node|20'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: flex ? appSettings : concat(appSettings, premiumSettings)
    }
  }
}
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}
output name string = app.name
output principalId string = app.identity.principalId
output defaultHostName string = app.properties.defaultHostName
