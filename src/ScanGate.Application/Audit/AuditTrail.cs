using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Application;

/// <summary>Who changed what: written by the application services, read by the audit-log views.</summary>
public sealed class AuditTrail(IGrainFactory grains)
{
    public Task RecordAsync(Actor actor, string action, string? target, IReadOnlyDictionary<string, string>? details = null, string? orgId = null) =>
        grains.GetGrain<IAuditLogGrain>(0).Append(new AuditEntry
        {
            Id = "aud_" + SortableId.New(),
            OrgId = orgId ?? actor.Caller.OrgId,
            At = DateTimeOffset.UtcNow,
            Action = action,
            Actor = actor.Caller.MemberId,
            KeyId = actor.Caller.KeyId,
            ClientIp = actor.ClientAddress,
            Target = target,
            Details = details ?? new Dictionary<string, string>(),
        });

    /// <summary>The people behind the actors of the caller's organisation's entries (member id → member), to name them.</summary>
    public async Task<IReadOnlyDictionary<string, Member>> ActorsAsync(Actor actor)
    {
        var members = await grains.GetGrain<IOrganizationGrain>(actor.Caller.OrgId).Members();
        return members.ToDictionary(m => m.MemberId);
    }

    /// <summary>A page of the caller's organisation's audit log (every organisation's for a platform administrator).</summary>
    public Task<Outcome<Page<AuditEntry>>> QueryAsync(Actor actor, AuditQuery query) =>
        Cursors.ReadPageAsync(query.Limit, 500, query.Cursor, () => grains.GetGrain<IAuditLogGrain>(0).Query(query with { OrgId = actor.OrgScope }));
}
