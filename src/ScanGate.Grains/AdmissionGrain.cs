using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Grains;

/// <summary>Bound from "ScanGate:Admission".</summary>
public sealed class AdmissionOptions
{
    public const string Section = "ScanGate:Admission";
    /// <summary>Scans that may run at once across the whole deployment.</summary>
    public int MaxConcurrentScans { get; set; } = 16;
    /// <summary>How often admission checks its running set against the scans' real states: it takes back the slots of
    /// scans that are over or gone, and tells an admitted scan that has not started its runs again.</summary>
    public double ReconcileSeconds { get; set; } = 30;
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
/// The one-way "admitted" is never the only record of a grant: the running set is durable, and it is reconciled with
/// the scans' real states periodically (a timer while active, a reminder that brings admission back after its silo is
/// lost), so a grant that never became a started scan is repeated and a slot whose scan is over is taken back.
/// </summary>
public sealed class AdmissionGrain(
    [PersistentState("admission", "state")] IPersistentState<AdmissionState> store,
    IOptions<AdmissionOptions> options,
    ILogger<AdmissionGrain> logger) : Grain, IAdmissionGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";
    private AdmissionState S => store.State;
    private int Capacity => Math.Max(1, options.Value.MaxConcurrentScans);
    private TimeSpan ReconcilePeriod => TimeSpan.FromSeconds(Math.Max(0.2, options.Value.ReconcileSeconds));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(ReconcileAsync, new GrainTimerCreationOptions
        {
            DueTime = ReconcilePeriod, Period = ReconcilePeriod, KeepAlive = true, Interleave = false,
        });
        await this.RegisterOrUpdateReminder(ReconcileReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // being active is the point

    /// <summary>Takes back the slots of scans that are over or gone; tells admitted scans still queued again.</summary>
    private async Task ReconcileAsync()
    {
        var over = new List<string>();
        foreach (var scanId in S.Running.Keys.ToList())
        {
            ScanSnapshot? scan;
            try
            {
                scan = await GrainFactory.GetGrain<IScanGrain>(scanId).Get().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                logger.LogInformation(ex, "Admission: scan {ScanId} did not answer; checked again next time", scanId);
                continue;
            }
            if (scan is null || scan.Status.IsTerminal()) over.Add(scanId);
            else if (scan.Status == ScanStatus.Queued) Notify([scanId]); // admitted, but its runs have not started
        }
        if (over.Count == 0) return;
        logger.LogWarning("Admission: took back the slots of {Count} scans that are over: {Scans}", over.Count, string.Join(", ", over));
        foreach (var id in over) S.Running.Remove(id);
        var granted = GrantAll();
        await store.WriteStateAsync();
        Notify(granted);
    }

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
        foreach (var id in scans) GrainFactory.GetGrain<IScanCallbacks>(id).Admitted().Ignore();
    }
}
