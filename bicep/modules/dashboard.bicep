// Response time p50/p95/p99, request rate, failures, queue depth, webhook success rate.
param prefix string
param location string
param appInsightsId string
param serviceBusNamespaceId string

var queries = [
  { title: 'Response time p50/p95/p99 (ms)', kql: 'requests | summarize p50=percentile(duration,50), p95=percentile(duration,95), p99=percentile(duration,99) by bin(timestamp, 5m) | render timechart' }
  { title: 'Request rate (per minute)', kql: 'requests | summarize count() by bin(timestamp, 1m) | render timechart' }
  { title: 'Failures', kql: 'requests | where success == false | summarize count() by resultCode, bin(timestamp, 5m) | render timechart' }
  { title: 'Webhook success rate', kql: 'customMetrics | where name startswith "webhook_deliveries_" | summarize ok=sumif(valueSum, name == "webhook_deliveries_success"), all=sum(valueSum) by bin(timestamp, 15m) | extend rate = 100.0 * ok / all | render timechart' }
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
              position: { x: 0, y: 8, colSpan: 12, rowSpan: 4 }
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
