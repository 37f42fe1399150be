// EVA API: every Azure resource the code uses. `azd up` provisions this (azure.yaml, infra path bicep).
// Checked without the Bicep CLI by test/unit/bicep.test.ts; compiled by .github/workflows/infra.yml.
targetScope = 'resourceGroup'

@description('Short environment name (dev, prod).')
param environmentName string
param location string = resourceGroup().location
@allowed(['FlexConsumption', 'ElasticPremium'])
param hostingPlan string = 'FlexConsumption'
param cosmosThroughput int = 400
param cosmosAutoscale bool = false
@allowed(['Standard_LRS', 'Standard_GRS'])
param storageSku string = 'Standard_LRS'
@allowed(['Basic', 'Standard', 'Premium'])
param redisSku string = 'Basic'
param redisCapacity int = 0
param openAiChatDeployment string = 'gpt-4o-mini'
param openAiChatModelVersion string = '2024-07-18'
param openAiEmbeddingDeployment string = 'text-embedding-3-small'
param webPubSubHub string = 'eva'
@description('Resource id of the action group alerts notify.')
param actionGroupId string
@description('Allow keys / SAS beside the identity on Cosmos, Service Bus, Web PubSub and OpenAI (break-glass; the app uses its identity).')
param allowKeyAccess bool = false
@secure()
param jwtSecretKey string
@secure()
param apiKeySalt string

var prefix = 'eva-${environmentName}'
var unique = uniqueString(resourceGroup().id)

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: { prefix: prefix, location: location }
}
module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: { name: 'eva${environmentName}${unique}', location: location, sku: storageSku }
}
module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  params: { name: '${prefix}-${unique}', location: location, throughput: cosmosThroughput, autoscale: cosmosAutoscale, allowKeyAccess: allowKeyAccess }
}
module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: { name: '${prefix}-${unique}', location: location, allowKeyAccess: allowKeyAccess }
}
module redis 'modules/redis.bicep' = {
  name: 'redis'
  params: { name: '${prefix}-${unique}', location: location, sku: redisSku, capacity: redisCapacity }
}
module webPubSub 'modules/webpubsub.bicep' = {
  name: 'webpubsub'
  params: { name: '${prefix}-${unique}', location: location, hub: webPubSubHub, allowKeyAccess: allowKeyAccess }
}
module openAi 'modules/openai.bicep' = {
  name: 'openai'
  params: {
    name: '${prefix}-${unique}'
    location: location
    chatDeployment: openAiChatDeployment
    chatModelVersion: openAiChatModelVersion
    embeddingDeployment: openAiEmbeddingDeployment
    allowKeyAccess: allowKeyAccess
  }
}
module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-${environmentName}-${take(unique, 8)}'
    location: location
    jwtSecretKey: jwtSecretKey
    apiKeySalt: apiKeySalt
    redisName: redis.outputs.name
  }
}
module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    name: '${prefix}-api-${unique}'
    location: location
    hostingPlan: hostingPlan
    environmentName: environmentName
    storageAccountName: storage.outputs.name
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    keyVaultUri: keyVault.outputs.uri
    cosmosEndpoint: cosmos.outputs.endpoint
    blobEndpoint: storage.outputs.blobEndpoint
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    webPubSubEndpoint: webPubSub.outputs.endpoint
    redisHost: redis.outputs.hostName
    openAiEndpoint: openAi.outputs.endpoint
    openAiChatDeployment: openAiChatDeployment
    openAiEmbeddingDeployment: openAiEmbeddingDeployment
    webPubSubHub: webPubSubHub
  }
}
module roles 'modules/roles.bicep' = {
  name: 'roles'
  params: {
    principalId: functionApp.outputs.principalId
    cosmosAccountName: cosmos.outputs.name
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    webPubSubName: webPubSub.outputs.name
    keyVaultName: keyVault.outputs.name
    openAiName: openAi.outputs.name
  }
}
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    prefix: prefix
    location: location
    actionGroupId: actionGroupId
    appInsightsId: monitoring.outputs.appInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
  }
}
module dashboard 'modules/dashboard.bicep' = {
  name: 'dashboard'
  params: {
    prefix: prefix
    location: location
    appInsightsId: monitoring.outputs.appInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
  }
}

output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output API_URL string = 'https://${functionApp.outputs.defaultHostName}/api'
