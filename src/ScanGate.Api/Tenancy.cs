using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api;

/// <summary>The HTTP side of who is calling: the caller of a request as the application layer's actor.</summary>
public static class Tenancy
{
    public static Caller Caller(this HttpContext http) => ApiKeyAuthenticationHandler.CallerOf(http);

    public static Actor Actor(this HttpContext http) => new(http.Caller(), http.Connection.RemoteIpAddress?.ToString());

    /// <summary>The scan when it exists and belongs to the caller's organisation; otherwise null (a 404,
    /// never a 403, so that ids of other organisations do not leak).</summary>
    public static Task<ScanSnapshot?> VisibleScanAsync(this HttpContext http, string id) =>
        http.RequestServices.GetRequiredService<ScanQueries>().GetAsync(http.Caller(), id);

    public static bool IsScanId(string id) => ScanQueries.IsScanId(id);

    /// <summary>The organisation a list is limited to: the caller's, or none for a platform administrator.</summary>
    public static string? OrgScope(this Caller caller) => caller.PlatformAdmin ? null : caller.OrgId;

    public static Task AuditAsync(this HttpContext http, string action, string? target,
        IReadOnlyDictionary<string, string>? details = null, string? orgId = null) =>
        http.RequestServices.GetRequiredService<AuditTrail>().RecordAsync(http.Actor(), action, target, details, orgId);
}
