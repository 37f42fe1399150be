// Alerts (the action group is a parameter). Checked by test/unit/bicep.test.ts:
// - 5xx responses: more than 10 a minute, averaged over 5 minutes, evaluated every minute;
// - response time: average over 5 minutes above 3000 ms, evaluated every minute;
// - dead-lettered messages on any queue: more than 0;
// - webhook deliveries exhausted: the custom metric webhook.delivery {outcome: exhausted} > 0
//   (src/shared/metrics.ts METRIC.webhookDelivery, emitted by src/shared/webhooks/deliver.ts).
param prefix string
param location string
param actionGroupId string
param appInsightsId string
param serviceBusNamespaceId string

var actions = [{ actionGroupId: actionGroupId }]

// A log alert: the 5xx count per minute, averaged over the 5-minute window, on the requests the app records.
resource http5xx 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-5xx'
  location: location
  properties: {
    displayName: '${prefix}: 5xx responses'
    description: 'More than 10 server errors (5xx) a minute, averaged over 5 minutes. Runbook: docs/PRODUCTION-RUNBOOK.md, Alerts.'
    severity: 1
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'requests | where toint(resultCode) >= 500 | summarize perMinute = count() / 5.0'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'perMinute'
          operator: 'GreaterThan'
          threshold: 10
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroupId] }
  }
}
resource slow 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${prefix}-response-time'
  location: 'global'
  properties: {
    description: 'Average response time above 3000 ms over 5 minutes.'
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
    description: 'A message was dead-lettered on a queue. Runbook: docs/PRODUCTION-RUNBOOK.md, Dead letters.'
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
// A log alert on the custom metric (OpenTelemetry counters land in customMetrics with valueSum).
resource webhooksExhausted 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${prefix}-webhooks-exhausted'
  location: location
  properties: {
    displayName: '${prefix}: webhook deliveries exhausted'
    description: 'A webhook delivery used up its retries. Runbook: docs/PRODUCTION-RUNBOOK.md, A webhook endpoint failing everything.'
    severity: 3
    enabled: true
    scopes: [appInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "webhook.delivery" and tostring(customDimensions.outcome) == "exhausted" | summarize exhausted = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'exhausted'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [actionGroupId] }
  }
}
