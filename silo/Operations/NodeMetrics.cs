using System.Diagnostics.Metrics;
using ScanGate.Application.Live;
using ScanGate.Contracts;

namespace ScanGate.Silo.Operations;

/// <summary>What every node that serves clients knows: who follows scans live here (SSE connections and console
/// pages, fed by this node's one subscription per scan).</summary>
public sealed class NodeMetrics : IHostedService
{
    public NodeMetrics(ScanEventHub hub, IMeterFactory meters)
    {
        var meter = meters.Create(ScanGateTelemetry.Name);
        meter.CreateObservableGauge(ScanGateTelemetry.Metrics.EventWatchers, () => hub.Watchers,
            description: "SSE connections and console pages following a scan on this node");
        meter.CreateObservableGauge(ScanGateTelemetry.Metrics.EventFeeds, () => hub.Feeds,
            description: "Scan event streams this node is subscribed to (one per watched scan, shared by its watchers)");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
