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
}

[StatelessWorker]
public sealed class AuditLogGrain(IAuditStore audit) : Grain, IAuditLogGrain
{
    public Task Append(AuditEntry entry) => audit.AppendAsync(entry);
    public Task<Page<AuditEntry>> Query(AuditQuery query) => audit.QueryAsync(query);
}
