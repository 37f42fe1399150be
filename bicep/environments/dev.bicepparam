using '../main.bicep'

param environmentName = 'dev'
param hostingPlan = 'FlexConsumption'
param cosmosThroughput = 400
param cosmosAutoscale = false
param storageSku = 'Standard_LRS'
param redisSku = 'Basic'
param redisCapacity = 0
param actionGroupId = readEnvironmentVariable('EVA_ACTION_GROUP_ID')
param jwtSecretKey = readEnvironmentVariable('EVA_JWT_SECRET_KEY')
param apiKeySalt = readEnvironmentVariable('EVA_API_KEY_SALT')
