using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>The list of scans, for listing and filtering without waking every scan grain.</summary>
public interface IScanIndex
{
    Task UpsertAsync(ScanSummary summary, CancellationToken cancellationToken = default);
    /// <summary>Newest first, after the cursor (exclusive).</summary>
    Task<Page<ScanSummary>> QueryAsync(ScanListQuery query, CancellationToken cancellationToken = default);
}

public sealed class InMemoryScanIndex : IScanIndex
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ScanSummary> _scans = new(StringComparer.Ordinal);

    public Task UpsertAsync(ScanSummary summary, CancellationToken cancellationToken = default)
    {
        lock (_gate) _scans[summary.Id] = summary;
        return Task.CompletedTask;
    }

    public Task<Page<ScanSummary>> QueryAsync(ScanListQuery q, CancellationToken cancellationToken = default)
    {
        var after = Cursors.Decode(q.Cursor); // scan ids sort by creation time, so the id is the sort key
        List<ScanSummary> all;
        lock (_gate) all = _scans.Values.ToList();
        var page = all
            .Where(s => q.OrgId is null || s.OrgId == q.OrgId)
            .Where(s => q.ProjectKey is null || s.ProjectKey == q.ProjectKey)
            .Where(s => q.Status is null || s.Status == q.Status)
            .Where(s => q.ScanType is null || s.ScanType == q.ScanType)
            .Where(s => q.Branch is null || s.Branch == q.Branch)
            .Where(s => q.Since is null || s.CreatedAt >= q.Since)
            .Where(s => after is null || string.CompareOrdinal(s.Id, after) < 0)
            .OrderByDescending(s => s.Id, StringComparer.Ordinal)
            .Take(q.Limit + 1)
            .ToList();
        var next = page.Count > q.Limit ? Cursors.Encode(page[q.Limit - 1].Id) : null;
        return Task.FromResult(new Page<ScanSummary>(page.Take(q.Limit).ToList(), next));
    }
}
