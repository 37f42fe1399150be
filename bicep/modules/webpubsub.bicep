param name string
param location string
param hub string

resource wps 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  sku: { name: 'Standard_S1', tier: 'Standard', capacity: 1 }
  properties: { tls: { clientCertEnabled: false } }
}
resource wpsHub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: wps
  name: hub
  properties: { anonymousConnectPolicy: 'deny' }
}
output name string = wps.name
