using Microsoft.AspNetCore.Http;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Api;

/// <summary>What a caller may see, and the audit trail of what they change.</summary>
public static class Tenancy
{
    public static Caller Caller(this HttpContext http) => ApiKeyAuthenticationHandler.CallerOf(http);

    /// <summary>The scan when it exists and belongs to the caller's organisation; otherwise null (a 404,
    /// never a 403, so that ids of other organisations do not leak).</summary>
    public static async Task<ScanSnapshot?> VisibleScanAsync(this HttpContext http, IGrainFactory grains, string id)
    {
        if (!IsScanId(id)) return null;
        var scan = http.RequestServices.GetService(typeof(ScanSnapshotMirror)) is ScanSnapshotMirror mirror && mirror.Find(id) is { } local
            ? local
            : await grains.GetGrain<IScanGrain>(id).Get();
        return scan is not null && http.Caller().SeesOrg(scan.Request.OrgId) ? scan : null;
    }

    public static bool IsScanId(string id) => id.StartsWith("scn_", StringComparison.Ordinal) && SortableId.IsValid(id[4..]);

    /// <summary>The organisation a list is limited to: the caller's, or none for a platform administrator.</summary>
    public static string? OrgScope(this Caller caller) => caller.PlatformAdmin ? null : caller.OrgId;

    public static Task AuditAsync(this HttpContext http, IGrainFactory grains, string action, string? target,
        IReadOnlyDictionary<string, string>? details = null, string? orgId = null) =>
        AuditAsync(grains, http.Caller(), http.Connection.RemoteIpAddress?.ToString(), action, target, details, orgId);

    /// <summary>Records what <paramref name="caller"/> did, from wherever they did it (the API or the console).</summary>
    public static Task AuditAsync(IGrainFactory grains, Caller caller, string? clientIp, string action, string? target,
        IReadOnlyDictionary<string, string>? details = null, string? orgId = null) =>
        grains.GetGrain<IAuditLogGrain>(0).Append(new AuditEntry
        {
            Id = "aud_" + SortableId.New(),
            OrgId = orgId ?? caller.OrgId,
            At = DateTimeOffset.UtcNow,
            Action = action,
            Actor = caller.MemberId,
            KeyId = caller.KeyId,
            ClientIp = clientIp,
            Target = target,
            Details = details ?? new Dictionary<string, string>(),
        });
}
