using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>The audit log: append-only, queried newest first.</summary>
public interface IAuditStore
{
    Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default);
    Task<Page<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly Lock _gate = new();
    private readonly List<AuditEntry> _entries = [];

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_gate) _entries.Add(entry);
        return Task.CompletedTask;
    }

    public Task<Page<AuditEntry>> QueryAsync(AuditQuery q, CancellationToken cancellationToken = default)
    {
        var after = Cursors.Decode(q.Cursor); // entry ids sort by time
        List<AuditEntry> all;
        lock (_gate) all = _entries.ToList();
        var page = all
            .Where(e => q.OrgId is null || e.OrgId == q.OrgId)
            .Where(e => q.Action is null || e.Action == q.Action)
            .Where(e => q.Actor is null || e.Actor == q.Actor)
            .Where(e => q.Since is null || e.At >= q.Since)
            .Where(e => q.Until is null || e.At < q.Until)
            .Where(e => after is null || string.CompareOrdinal(e.Id, after) < 0)
            .OrderByDescending(e => e.Id, StringComparer.Ordinal)
            .Take(q.Limit + 1)
            .ToList();
        var next = page.Count > q.Limit ? Cursors.Encode(page[q.Limit - 1].Id) : null;
        return Task.FromResult(new Page<AuditEntry>(page.Take(q.Limit).ToList(), next));
    }
}
