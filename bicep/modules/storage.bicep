param name string
param location string
param sku string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(toLower(name), 24)
  location: location
  kind: 'StorageV2'
  sku: { name: sku }
  properties: {
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}
resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}
// BLOB_STORAGE_CONTAINER's default.
resource documents 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'documents'
  properties: { publicAccess: 'None' }
}
// Flex Consumption keeps the deployed package here.
resource deployments 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: 'app-package'
  properties: { publicAccess: 'None' }
}
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
