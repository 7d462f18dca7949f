using System.Collections.Concurrent;
using ScanGate.Contracts;

namespace ScanGate.Storage;

/// <summary>The embedded default: findings in process memory, gone with the process.</summary>
public sealed class InMemoryFindingStore : IFindingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Finding> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, string>> _scanFingerprints = new(StringComparer.Ordinal); // scan → fingerprint → id
    private readonly Dictionary<(string Org, string? Project, string Fingerprint), Finding> _triage = new();

    public Task AddAsync(string scanId, IReadOnlyList<Finding> batch, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_scanFingerprints.TryGetValue(scanId, out var scan)) _scanFingerprints[scanId] = scan = new(StringComparer.Ordinal);
            foreach (var incoming in batch)
            {
                var f = _triage.TryGetValue((incoming.OrgId, incoming.ProjectKey, incoming.Fingerprint), out var decided)
                    ? incoming with { Status = decided.Status, StatusNote = decided.StatusNote, StatusChangedAt = decided.StatusChangedAt, StatusChangedBy = decided.StatusChangedBy }
                    : incoming;
                if (scan.TryGetValue(f.Fingerprint, out var existingId))
                    _byId[existingId] = FindingMerge.Merge(_byId[existingId], f);
                else
                {
                    scan[f.Fingerprint] = f.Id;
                    _byId[f.Id] = f;
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<FindingPage> ListAsync(string scanId, FindingQuery query, CancellationToken cancellationToken = default) =>
        QueryAsync(null, query with { ScanId = scanId }, cancellationToken);

    public Task<FindingPage> QueryAsync(string? orgId, FindingQuery query, CancellationToken cancellationToken = default)
    {
        var after = FindingOrder.DecodeCursor(query.Cursor); // a bad cursor is the caller's error, whatever matches
        List<Finding> candidates;
        lock (_gate)
        {
            candidates = query.ScanId is not null
                ? _scanFingerprints.TryGetValue(query.ScanId, out var scan) ? scan.Values.Select(id => _byId[id]).ToList() : []
                : _byId.Values.ToList();
        }
        var filtered = candidates
            .Where(f => orgId is null || f.OrgId == orgId)
            .Where(f => FindingFilter.Matches(f, query))
            .OrderBy(FindingOrder.Key, StringComparer.Ordinal)
            .ToList();
        var page = filtered.Where(f => after is null || string.CompareOrdinal(FindingOrder.Key(f), after) > 0).Take(query.Limit + 1).ToList();
        var next = page.Count > query.Limit ? FindingOrder.EncodeCursor(FindingOrder.Key(page[query.Limit - 1])) : null;
        return Task.FromResult(new FindingPage(page.Take(query.Limit).ToList(), next, filtered.Count));
    }

    public Task<Finding?> GetAsync(string findingId, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_byId.GetValueOrDefault(findingId));
    }

    public Task<IReadOnlyList<Finding>> SetStatusAsync(IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor,
        DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var updated = new List<Finding>();
        lock (_gate)
        {
            foreach (var id in findingIds.Distinct())
            {
                if (!_byId.TryGetValue(id, out var f)) continue;
                f = f with { Status = status, StatusNote = note, StatusChangedAt = at, StatusChangedBy = actor };
                _byId[id] = f;
                _triage[(f.OrgId, f.ProjectKey, f.Fingerprint)] = f;
                updated.Add(f);
            }
        }
        return Task.FromResult<IReadOnlyList<Finding>>(updated);
    }

    public Task<SeverityCounts> CountAsync(string scanId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult(_scanFingerprints.TryGetValue(scanId, out var scan)
                ? SeverityCounts.Of(scan.Values.Select(id => _byId[id])) : new SeverityCounts());
    }

    public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_scanFingerprints.Remove(scanId, out var scan))
                foreach (var id in scan.Values) _byId.Remove(id);
        }
        return Task.CompletedTask;
    }

    public Task DeleteScannerAsync(string scanId, string scanner, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_scanFingerprints.TryGetValue(scanId, out var scan)) return Task.CompletedTask;
            foreach (var (fingerprint, id) in scan.Where(kv => _byId[kv.Value].Scanner == scanner).ToList())
            {
                scan.Remove(fingerprint);
                _byId.Remove(id);
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>The one order every store pages findings in: worst severity first, then by id.</summary>
public static class FindingOrder
{
    public static string Key(Finding f) => $"{4 - (int)f.Severity}:{f.Id}";
    public static string EncodeCursor(string key) => Cursors.Encode(key);
    public static string? DecodeCursor(string? cursor) => Cursors.Decode(cursor);
}

/// <summary>Opaque, URL-safe cursors over a sort key.</summary>
public static class Cursors
{
    public static string Encode(string key) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? Decode(string? cursor)
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
