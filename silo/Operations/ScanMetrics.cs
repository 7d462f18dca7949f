using System.Diagnostics.Metrics;
using Orleans.Runtime;
using ScanGate.Contracts;
using ScanGate.Grains.Placement;

namespace ScanGate.Silo.Operations;

/// <summary>
/// What a silo knows about its own scans and slots, as metrics: scans queued, running and paused per organisation
/// (the scan grains active on this silo, from the snapshot mirror they publish to), this silo's container slots
/// used and free, and scan and run durations by scan type and scanner (recorded when the mirror sees a scan or a
/// scanner become terminal). Summed across silos, the gauges are the cluster's.
/// </summary>
public sealed class ScanMetrics : IHostedService
{
    private readonly ScanSnapshotMirror _mirror;
    private readonly Histogram<double> _scanDuration;
    private readonly Histogram<double> _runDuration;

    public ScanMetrics(ScanSnapshotMirror mirror, ContainerSlots slots, ILocalSiloDetails silo, IMeterFactory meters)
    {
        _mirror = mirror;
        var meter = meters.Create(ScanGateTelemetry.Name);
        var siloName = silo.SiloAddress.ToParsableString();
        meter.CreateObservableGauge(ScanGateTelemetry.Metrics.Scans, () => _mirror.All
                .Where(s => s.Status is ScanStatus.Queued or ScanStatus.Running or ScanStatus.Paused)
                .GroupBy(s => (s.Request.OrgId, s.Status))
                .Select(g => new Measurement<long>(g.Count(),
                    new KeyValuePair<string, object?>(ScanGateTelemetry.Tags.Org, g.Key.OrgId),
                    new KeyValuePair<string, object?>(ScanGateTelemetry.Tags.Status, g.Key.Status.Word()))),
            description: "Scans not yet over, per organisation and status, among the scan grains active on this silo");
        meter.CreateObservableGauge(ScanGateTelemetry.Metrics.ContainerSlots, () => new[]
            {
                new Measurement<int>(slots.InUse, new("silo", siloName), new("state", "used")),
                new Measurement<int>(slots.Capacity - slots.InUse, new("silo", siloName), new("state", "free")),
            },
            description: "This silo's scanner container slots, used and free");
        _scanDuration = meter.CreateHistogram<double>(ScanGateTelemetry.Metrics.ScanDuration, "s", "Scans from start to end, by scan type and final status");
        _runDuration = meter.CreateHistogram<double>(ScanGateTelemetry.Metrics.RunDuration, "s", "Scanner runs from start to end, by scan type, scanner and final status");
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _mirror.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _mirror.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(ScanSnapshot? previous, ScanSnapshot current)
    {
        // Only a change seen happening counts: a reactivated grain republishing an old end is not a new one.
        if (previous is null) return;
        var scanType = new KeyValuePair<string, object?>(ScanGateTelemetry.Tags.ScanType, current.Request.ScanType);
        foreach (var run in current.Scanners)
        {
            if (!run.Status.IsTerminal() || run.StartedAt is not { } started || run.FinishedAt is not { } finished) continue;
            if (previous.Scanners.FirstOrDefault(p => p.Name == run.Name) is { } before && before.Status.IsTerminal()) continue;
            _runDuration.Record((finished - started).TotalSeconds, scanType,
                new(ScanGateTelemetry.Tags.Scanner, run.Name), new(ScanGateTelemetry.Tags.Status, run.Status.Word()));
        }
        if (!previous.Status.IsTerminal() && current.Status.IsTerminal() && current.FinishedAt is { } end)
            _scanDuration.Record((end - (current.StartedAt ?? current.CreatedAt)).TotalSeconds, scanType,
                new(ScanGateTelemetry.Tags.Status, current.Status.Word()));
    }
}
