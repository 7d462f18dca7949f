using System.Collections.Concurrent;
using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>The embedded default: findings in process memory, gone with the process.</summary>
public sealed class InMemoryFindingStore : IFindingStore
{
    private readonly ConcurrentDictionary<string, ScanFindings> _scans = new(StringComparer.Ordinal);

    private sealed class ScanFindings
    {
        public readonly Lock Gate = new();
        public readonly Dictionary<string, Finding> ByFingerprint = new(StringComparer.Ordinal);
    }

    public Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default)
    {
        var scan = _scans.GetOrAdd(scanId, _ => new ScanFindings());
        lock (scan.Gate)
        {
            foreach (var f in batch)
                scan.ByFingerprint[f.Fingerprint] = scan.ByFingerprint.TryGetValue(f.Fingerprint, out var existing)
                    ? FindingMerge.Merge(existing, f) : f;
        }
        return Task.CompletedTask;
    }

    public Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default)
    {
        var after = FindingOrder.DecodeCursor(query.Cursor); // a bad cursor is the caller's error, whatever the scan
        if (!_scans.TryGetValue(scanId, out var scan)) return Task.FromResult(new FindingPage([], null, 0));
        List<Finding> all;
        lock (scan.Gate) all = scan.ByFingerprint.Values.ToList();
        var filtered = all
            .Where(f => query.MinSeverity is null || f.Severity >= query.MinSeverity)
            .Where(f => query.Scanner is null || f.Scanner == query.Scanner)
            .OrderBy(FindingOrder.Key, StringComparer.Ordinal)
            .ToList();
        var page = filtered.Where(f => after is null || string.CompareOrdinal(FindingOrder.Key(f), after) > 0)
            .Take(query.Limit + 1).ToList();
        var next = page.Count > query.Limit ? FindingOrder.EncodeCursor(FindingOrder.Key(page[query.Limit - 1])) : null;
        return Task.FromResult(new FindingPage(page.Take(query.Limit).ToList(), next, filtered.Count));
    }

    public Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default)
    {
        if (!_scans.TryGetValue(scanId, out var scan)) return Task.FromResult(new SeverityCounts());
        lock (scan.Gate) return Task.FromResult(SeverityCounts.Of(scan.ByFingerprint.Values));
    }

    public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        _scans.TryRemove(scanId, out _);
        return Task.CompletedTask;
    }

    public Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default)
    {
        if (_scans.TryGetValue(scanId, out var scan))
            lock (scan.Gate)
                foreach (var key in scan.ByFingerprint.Where(kv => kv.Value.Scanner == scanner).Select(kv => kv.Key).ToList())
                    scan.ByFingerprint.Remove(key);
        return Task.CompletedTask;
    }
}

/// <summary>The one order every store pages in: worst severity first, then by id.</summary>
public static class FindingOrder
{
    public static string Key(Finding f) => $"{4 - (int)f.Severity}:{f.Id}";
    public static string EncodeCursor(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    public static string? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        var b64 = cursor.Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try { return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64)); }
        catch (FormatException) { throw new ArgumentException("cursor is not one this API issued", nameof(cursor)); }
    }
}

/// <summary>Duplicates within a scan merge: the worse severity wins, references and CVEs are united.</summary>
public static class FindingMerge
{
    public static Finding Merge(Finding kept, Finding other) => kept with
    {
        Severity = (Severity)Math.Max((int)kept.Severity, (int)other.Severity),
        Cves = kept.Cves.Union(other.Cves).ToList(),
        References = kept.References.Union(other.References).ToList(),
        Description = kept.Description ?? other.Description,
        Remediation = kept.Remediation ?? other.Remediation,
    };
}
