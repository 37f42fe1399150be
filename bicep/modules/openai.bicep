param name string
param location string
param chatDeployment string
param chatModelVersion string
param embeddingDeployment string
@description('Allow API keys beside the identity (off: the app reaches the account with its identity).')
param allowKeyAccess bool = false

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: { customSubDomainName: name, publicNetworkAccess: 'Enabled', disableLocalAuth: !allowKeyAccess }
}
resource chat 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: openAi
  name: chatDeployment
  sku: { name: 'Standard', capacity: 30 }
  properties: { model: { format: 'OpenAI', name: 'gpt-4o-mini', version: chatModelVersion } }
}
resource embedding 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: openAi
  name: embeddingDeployment
  sku: { name: 'Standard', capacity: 30 }
  properties: { model: { format: 'OpenAI', name: 'text-embedding-3-small', version: '1' } }
  dependsOn: [chat]
}
output name string = openAi.name
output endpoint string = openAi.properties.endpoint
