using '../main.bicep'

param environmentName = 'prod'
param hostingPlan = 'FlexConsumption'
param cosmosThroughput = 1000
param cosmosAutoscale = false
param storageSku = 'Standard_GRS'
param redisSku = 'Premium'
param redisCapacity = 1
param actionGroupId = readEnvironmentVariable('EVA_ACTION_GROUP_ID')
param jwtSecretKey = readEnvironmentVariable('EVA_JWT_SECRET_KEY')
param apiKeySalt = readEnvironmentVariable('EVA_API_KEY_SALT')
