using Orleans.Concurrency;
using ScanGate.Contracts;
using ScanGate.Storage;

namespace ScanGate.Grains;

[StatelessWorker]
public sealed class ScanDirectoryGrain(IScanIndex index) : Grain, IScanDirectoryGrain
{
    public Task<Page<ScanSummary>> List(ScanListQuery query) => index.QueryAsync(query);
}

[StatelessWorker]
public sealed class FindingTriageGrain(IFindingStore findings, Clock clock) : Grain, IFindingTriageGrain
{
    public Task<FindingPage> List(string? orgId, FindingQuery query) => findings.QueryAsync(orgId, query);

    public Task<Finding?> Get(string findingId) => findings.GetAsync(findingId);

    public async Task<TriageResult> SetStatus(string? orgId, IReadOnlyList<string> findingIds, FindingStatus status, string? note, string actor)
    {
        var mine = new List<string>();
        var notFound = new List<string>();
        foreach (var id in findingIds.Distinct())
        {
            var f = await findings.GetAsync(id);
            if (f is not null && (orgId is null || f.OrgId == orgId)) mine.Add(id);
            else notFound.Add(id); // another organisation's finding is as good as absent
        }
        var updated = mine.Count == 0 ? [] : await findings.SetStatusAsync(mine, status, note, actor, clock.UtcNow);
        return new TriageResult(updated, notFound);
    }

    /// <summary>The most findings one resolution report reads.</summary>
    public const int MaxFindingsRead = 200_000;

    public async Task<ResolutionReport> ResolutionTimes(string? orgId, DateTimeOffset resolvedSince)
    {
        // Per finding identity (project and fingerprint): its first detection, when it was first set to resolved, its severity.
        var first = new Dictionary<(string?, string), (DateTimeOffset Detected, DateTimeOffset? Resolved, Severity Severity)>();
        string? cursor = null;
        var read = 0;
        do
        {
            var page = await findings.QueryAsync(orgId, new FindingQuery { Limit = 500, Cursor = cursor });
            foreach (var f in page.Items)
            {
                var key = (f.ProjectKey, f.Fingerprint);
                DateTimeOffset? resolved = f.Status == FindingStatus.Resolved ? f.StatusChangedAt : null;
                first[key] = first.TryGetValue(key, out var seen)
                    ? (seen.Detected < f.DetectedAt ? seen.Detected : f.DetectedAt,
                       seen.Resolved is { } r && (resolved is null || r < resolved) ? r : resolved,
                       f.Severity > seen.Severity ? f.Severity : seen.Severity)
                    : (f.DetectedAt, resolved, f.Severity);
            }
            read += page.Items.Count;
            cursor = page.NextCursor;
        } while (cursor is not null && read < MaxFindingsRead);

        var bySeverity = Enum.GetValues<Severity>().OrderDescending().Select(severity =>
        {
            var hours = first.Values
                .Where(v => v.Severity == severity && v.Resolved is { } r && r >= resolvedSince)
                .Select(v => Math.Max(0, (v.Resolved!.Value - v.Detected).TotalHours)).ToList();
            return new ResolutionTime(severity, hours.Count, hours.Count == 0 ? null : Math.Round(hours.Average(), 2));
        }).ToList();
        return new ResolutionReport(bySeverity, Truncated: cursor is not null);
    }
}

[StatelessWorker]
public sealed class AuditLogGrain(IAuditStore audit) : Grain, IAuditLogGrain
{
    public Task Append(AuditEntry entry) => audit.AppendAsync(entry);
    public Task<Page<AuditEntry>> Query(AuditQuery query) => audit.QueryAsync(query);
}
