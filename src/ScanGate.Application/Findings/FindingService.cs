using ScanGate.Contracts;

namespace ScanGate.Application;

/// <summary>Findings across the caller's scans, and their triage.</summary>
public sealed class FindingService(IGrainFactory grains, AuditTrail audit)
{
    public const int MaxBulk = 1000;
    public const int MaxNoteLength = 2000;

    private IFindingTriageGrain Triage => grains.GetGrain<IFindingTriageGrain>(0);

    public Task<Outcome<FindingPage>> ListAsync(Actor actor, FindingQuery query) =>
        FindingPages.ReadAsync(() => Triage.List(actor.OrgScope, query));

    /// <summary>The finding when the caller's organisation owns it; null otherwise.</summary>
    public async Task<Finding?> GetAsync(Actor actor, string id) =>
        await Triage.Get(id) is { } f && actor.Caller.SeesOrg(f.OrgId) ? f : null;

    /// <summary>Sets the status (and note) of findings of the caller's organisation; ids it does not own come back as
    /// not found. Each change is audited.</summary>
    public async Task<Outcome<TriageResult>> SetStatusAsync(Actor actor, IReadOnlyList<string> ids, FindingStatus status, string? note, bool bulk = false)
    {
        if (ids.Count == 0) return AppError.Invalid("ids", "ids must be a non-empty array of finding ids");
        if (ids.Count > MaxBulk) return AppError.Invalid("ids", $"at most {MaxBulk} ids at once");
        if (note is { Length: > MaxNoteLength }) return AppError.Invalid("note", $"note must be at most {MaxNoteLength} characters");
        var result = await Triage.SetStatus(actor.OrgScope, ids, status, note, actor.Caller.MemberId);
        foreach (var f in result.Updated)
        {
            var details = new Dictionary<string, string> { ["status"] = status.Word(), ["scan"] = f.ScanId };
            if (bulk) details["bulk"] = "true";
            await audit.RecordAsync(actor, "finding.triaged", f.Id, details, orgId: f.OrgId);
        }
        return result;
    }
}
