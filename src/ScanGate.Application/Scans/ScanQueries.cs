using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Application;

/// <summary>What a caller may read about scans. Another organisation's scan reads exactly like a missing one.</summary>
public sealed class ScanQueries(IGrainFactory grains, ScanCatalog catalog, ScanSnapshotMirror? mirror = null)
{
    public static bool IsScanId(string id) => id.StartsWith("scn_", StringComparison.Ordinal) && SortableId.IsValid(id[4..]);

    public static AppError NotFound(string id) => AppError.NotFound($"no scan with id '{id}'");

    /// <summary>The scan when it exists and the caller's organisation owns it; null otherwise. Answered from this
    /// process's mirror of the scan grains it hosts when it can, so a status poll costs no grain call.</summary>
    public async Task<ScanSnapshot?> GetAsync(Caller caller, string id)
    {
        if (!IsScanId(id)) return null;
        var scan = mirror?.Find(id) ?? await grains.GetGrain<IScanGrain>(id).Get();
        return scan is not null && caller.SeesOrg(scan.Request.OrgId) ? scan : null;
    }

    /// <summary>The scan from its grain, never from the mirror: for a reader that needs the newest sequence number.</summary>
    public async Task<ScanSnapshot?> GetFreshAsync(Caller caller, string id)
    {
        if (!IsScanId(id)) return null;
        var scan = await grains.GetGrain<IScanGrain>(id).Get();
        return scan is not null && caller.SeesOrg(scan.Request.OrgId) ? scan : null;
    }

    public Task<Outcome<Page<ScanSummary>>> ListAsync(Actor actor, ScanListQuery query) =>
        Cursors.ReadPageAsync(query.Limit, 200, query.Cursor, () => grains.GetGrain<IScanDirectoryGrain>(0).List(query with { OrgId = actor.OrgScope }));

    /// <summary>A page of one scan's findings.</summary>
    public async Task<Outcome<FindingPage>> FindingsAsync(Caller caller, string id, FindingQuery query)
    {
        if (await GetAsync(caller, id) is null) return NotFound(id);
        return await FindingPages.ReadAsync(() => grains.GetGrain<IScanGrain>(id).Findings(query with { ScanId = null }));
    }

    /// <summary>Events after <paramref name="afterSequence"/> still in the scan's buffer (for a client resuming a stream).</summary>
    public Task<IReadOnlyList<ScanEvent>> EventsSinceAsync(string id, long afterSequence) =>
        grains.GetGrain<IScanGrain>(id).EventsSince(afterSequence);

    /// <summary>The catalogue with, for each scanner, whether a silo can run it now (null when no silo answered in time).</summary>
    public async Task<(ScanCatalog Catalog, IReadOnlyDictionary<string, bool>? Available)> ScanTypesAsync()
    {
        try { return (catalog, await grains.GetGrain<IScannerAvailabilityGrain>(0).Get().WaitAsync(TimeSpan.FromSeconds(5))); }
        catch (Exception ex) when (ex is TimeoutException or OrleansException) { return (catalog, null); }
    }
}

/// <summary>Reading a page of findings, with a cursor the store refuses turned into the client's mistake it is.</summary>
public static class FindingPages
{
    public static async Task<Outcome<FindingPage>> ReadAsync(Func<Task<FindingPage>> read)
    {
        try { return await read(); }
        catch (ArgumentException ex) when (ex.ParamName == "cursor") { return Cursors.Refused; }
    }
}
