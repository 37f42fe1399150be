param prefix string
param actionGroupId string
param appInsightsId string
param serviceBusNamespaceId string

var actions = [{ actionGroupId: actionGroupId }]

resource http5xx 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-5xx'
  location: 'global'
  properties: {
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [{ name: 'failed', criterionType: 'StaticThresholdCriterion', metricName: 'requests/failed', timeAggregation: 'Count', operator: 'GreaterThan', threshold: 10 }]
    }
    actions: actions
  }
}
resource slow 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-response-time'
  location: 'global'
  properties: {
    severity: 2
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [{ name: 'duration', criterionType: 'StaticThresholdCriterion', metricName: 'requests/duration', timeAggregation: 'Average', operator: 'GreaterThan', threshold: 3000 }]
    }
    actions: actions
  }
}
resource deadLetters 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-dead-letters'
  location: 'global'
  properties: {
    severity: 2
    enabled: true
    scopes: [serviceBusNamespaceId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [{ name: 'dlq', criterionType: 'StaticThresholdCriterion', metricName: 'DeadletteredMessages', timeAggregation: 'Maximum', operator: 'GreaterThan', threshold: 0 }]
    }
    actions: actions
  }
}
// Custom metric the webhook delivery reports once its retries are used up (not yet emitted: see docs/decisions.md).
resource webhooksExhausted 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-webhooks-exhausted'
  location: 'global'
  properties: {
    severity: 3
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [{ name: 'exhausted', criterionType: 'StaticThresholdCriterion', metricNamespace: 'azure.applicationinsights', metricName: 'webhook_deliveries_exhausted', timeAggregation: 'Total', operator: 'GreaterThan', threshold: 0, skipMetricValidation: true }]
    }
    actions: actions
  }
}
