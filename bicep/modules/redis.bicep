param name string
param location string
param sku string
param capacity int

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: name
  location: location
  properties: {
    sku: { name: sku, family: sku == 'Premium' ? 'P' : 'C', capacity: capacity }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
  }
}
output name string = redis.name
output hostName string = redis.properties.hostName
