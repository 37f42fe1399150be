param name string
param location string
param hub string
@description('Allow access keys beside the identity (off: the app reaches the service with its identity).')
param allowKeyAccess bool = false

resource wps 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  sku: { name: 'Standard_S1', tier: 'Standard', capacity: 1 }
  properties: { tls: { clientCertEnabled: false }, disableLocalAuth: !allowKeyAccess }
}
resource wpsHub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: wps
  name: hub
  properties: { anonymousConnectPolicy: 'deny' }
}
output name string = wps.name
output endpoint string = 'https://${wps.properties.hostName}'
