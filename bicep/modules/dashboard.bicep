// Response time p50/p95/p99, request rate, failures, queue depth, webhook success rate.
param prefix string
param location string
param appInsightsId string
param serviceBusNamespaceId string

var queries = [
  { title: 'Response time p50/p95/p99 (ms)', kql: 'requests | summarize p50=percentile(duration,50), p95=percentile(duration,95), p99=percentile(duration,99) by bin(timestamp, 5m) | render timechart' }
  { title: 'Request rate (per minute)', kql: 'requests | summarize count() by bin(timestamp, 1m) | render timechart' }
  { title: 'Failures', kql: 'requests | where success == false | summarize count() by resultCode, bin(timestamp, 5m) | render timechart' }
  { title: 'Webhook success rate (%)', kql: 'customMetrics | where name == "webhook.delivery" | extend outcome = tostring(customDimensions.outcome) | summarize ok = sumif(valueSum, outcome == "success"), all = sum(valueSum) by bin(timestamp, 15m) | extend rate = 100.0 * ok / all | project timestamp, rate | render timechart' }
  { title: 'Rate-limit rejections', kql: 'customMetrics | where name == "rate_limit.rejected" | summarize rejected = sum(valueSum) by tostring(customDimensions.tier), bin(timestamp, 5m) | render timechart' }
  { title: 'Query duration (ms, average and max)', kql: 'customMetrics | where name == "query.duration" | summarize avg_ms = sum(valueSum) / sum(valueCount), max_ms = max(valueMax) by bin(timestamp, 15m) | render timechart' }
]

resource dashboard 'Microsoft.Portal/dashboards@2020-09-01-preview' = {
  name: '${prefix}-dashboard'
  location: location
  properties: {
    lenses: [
      {
        order: 0
        parts: concat(
          [
            for (q, i) in queries: {
              position: { x: (i % 2) * 6, y: (i / 2) * 4, colSpan: 6, rowSpan: 4 }
              metadata: {
                type: 'Extension/Microsoft_OperationsManagementSuite_Workspace/PartType/LogsDashboardPart'
                inputs: [{ name: 'Scope', value: { resourceIds: [appInsightsId] } }, { name: 'PartTitle', value: q.title }]
                settings: { content: { Query: q.kql } }
              }
            }
          ],
          [
            {
              position: { x: 0, y: 12, colSpan: 12, rowSpan: 4 }
              metadata: {
                type: 'Extension/HubsExtension/PartType/MonitorChartPart'
                inputs: [{ name: 'options', value: { chart: { title: 'Queue depth (active / dead-lettered)', metrics: [
                  { resourceMetadata: { id: serviceBusNamespaceId }, name: 'ActiveMessages', aggregationType: 4 }
                  { resourceMetadata: { id: serviceBusNamespaceId }, name: 'DeadletteredMessages', aggregationType: 4 }
                ] } } }]
              }
            }
          ]
        )
      }
    ]
  }
}
