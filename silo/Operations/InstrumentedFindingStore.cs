using System.Diagnostics;
using System.Diagnostics.Metrics;
using ScanGate.Contracts;
using ScanGate.Storage;

namespace ScanGate.Silo.Operations;

/// <summary>A span around each batch write and a counter of findings stored (by scanner and severity), wrapped
/// around whichever finding store the host composed. Reads pass through.</summary>
public sealed class InstrumentedFindingStore(IFindingStore inner, IMeterFactory meters) : IFindingStore
{
    private readonly Counter<long> _stored = meters.Create(ScanGateTelemetry.Name).CreateCounter<long>(ScanGateTelemetry.Metrics.FindingsStored,
        description: "Findings written to the finding store (a finding merged into one the scan already holds counts again)");

    public IFindingStore Inner => inner;

    public async Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default)
    {
        using var activity = ScanGateTelemetry.Source.StartActivity("findings.store", ActivityKind.Client);
        activity?.SetTag(ScanGateTelemetry.Tags.ScanId, scanId);
        activity?.SetTag("findings.count", batch.Count);
        activity?.SetTag("findings.store", inner.GetType().Name);
        try
        {
            await inner.AddAsync(scanId, batch, cancellationToken);
        }
        catch (Exception ex) when (Spans.Failed(activity, ex)) { throw; }
        foreach (var group in batch.GroupBy(f => (f.Scanner, f.Severity)))
            _stored.Add(group.Count(),
                new KeyValuePair<string, object?>(ScanGateTelemetry.Tags.Scanner, group.Key.Scanner),
                new KeyValuePair<string, object?>("severity", group.Key.Severity.Word()));
    }

    public Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default) => inner.ListAsync(scanId, query, cancellationToken);
    public Task<FindingPage> QueryAsync(string? orgId, FindingQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(orgId, query, cancellationToken);
    public Task<Finding?> GetAsync(string findingId, CancellationToken cancellationToken = default) => inner.GetAsync(findingId, cancellationToken);
    public Task<IReadOnlyList<Finding>> SetStatusAsync(IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor, DateTimeOffset at,
        CancellationToken cancellationToken = default) => inner.SetStatusAsync(findingIds, status, note, actor, at, cancellationToken);
    public Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default) => inner.CountAsync(scanId, cancellationToken);
    public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default) => inner.DeleteScanAsync(scanId, cancellationToken);
    public Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default) => inner.DeleteScannerAsync(scanId, scanner, cancellationToken);
}
