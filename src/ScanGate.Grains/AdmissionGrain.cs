using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>Bound from "ScanGate:Admission".</summary>
public sealed class AdmissionOptions
{
    public const string Section = "ScanGate:Admission";
    /// <summary>Scans that may run at once across the whole deployment.</summary>
    public int MaxConcurrentScans { get; set; } = 16;
}

[GenerateSerializer, Alias("scangate.admission-state.v1")]
public sealed class AdmissionState
{
    [Id(0)] public Dictionary<string, string> Running { get; set; } = new(StringComparer.Ordinal); // scan → org
    [Id(1)] public Dictionary<string, List<string>> Queues { get; set; } = new(StringComparer.Ordinal); // org → scans, oldest first
    [Id(2)] public Dictionary<string, int> OrgLimits { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Organisations in the order they are served; the one served last goes to the back.</summary>
    [Id(3)] public List<string> Rotation { get; set; } = [];
}

/// <summary>
/// Grants scan slots: at most the deployment's limit at once, at most each organisation's own limit,
/// and when a slot frees it goes to the next organisation in rotation that has a scan waiting, so a
/// burst from one tenant waits behind a single scan of another, never the other way round.
/// </summary>
public sealed class AdmissionGrain(
    [PersistentState("admission", "state")] IPersistentState<AdmissionState> store,
    IOptions<AdmissionOptions> options) : Grain, IAdmissionGrain
{
    private AdmissionState S => store.State;
    private int Capacity => Math.Max(1, options.Value.MaxConcurrentScans);

    public async Task<bool> Enqueue(string scanId, string orgId, int orgMaxConcurrent)
    {
        if (S.Running.ContainsKey(scanId)) return true;
        S.OrgLimits[orgId] = Math.Max(1, orgMaxConcurrent);
        if (!S.Rotation.Contains(orgId)) S.Rotation.Add(orgId);
        var queue = S.Queues.TryGetValue(orgId, out var q) ? q : S.Queues[orgId] = [];
        if (!queue.Contains(scanId)) queue.Add(scanId);
        var granted = GrantAll();
        await store.WriteStateAsync();
        Notify(granted.Where(id => id != scanId));
        return granted.Contains(scanId);
    }

    public async Task Release(string scanId)
    {
        var changed = S.Running.Remove(scanId);
        foreach (var queue in S.Queues.Values) changed |= queue.Remove(scanId);
        if (!changed) return;
        var granted = GrantAll();
        await store.WriteStateAsync();
        Notify(granted);
    }

    public Task<AdmissionSnapshot> Snapshot() =>
        Task.FromResult(new AdmissionSnapshot(S.Running.Count, S.Queues.Values.Sum(q => q.Count), Capacity));

    private List<string> GrantAll()
    {
        var granted = new List<string>();
        while (S.Running.Count < Capacity && NextOrgWithWork() is { } org)
        {
            var scan = S.Queues[org][0];
            S.Queues[org].RemoveAt(0);
            S.Running[scan] = org;
            S.Rotation.Remove(org);
            S.Rotation.Add(org); // served: to the back of the rotation
            granted.Add(scan);
        }
        return granted;
    }

    private string? NextOrgWithWork() => S.Rotation.FirstOrDefault(org =>
        S.Queues.TryGetValue(org, out var q) && q.Count > 0
        && S.Running.Values.Count(o => o == org) < S.OrgLimits.GetValueOrDefault(org, 1));

    // One-way: a scan waiting in Start or Release must never be called back inside the same chain.
    private void Notify(IEnumerable<string> scans)
    {
        foreach (var id in scans) GrainFactory.GetGrain<IScanGrain>(id).Admitted().Ignore();
    }
}
