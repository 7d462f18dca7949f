using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api;

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/audit-log", Query).RequireScope(Scopes.AuditRead).WithTags("audit");
        return api;
    }

    internal static async Task<IResult> Query(HttpContext http, IGrainFactory grains, string? action, string? actor,
        DateTimeOffset? since, DateTimeOffset? until, string? cursor, int? limit)
    {
        if (limit is < 1 or > 500) return Problems.BadRequest("limit", "limit must be between 1 and 500");
        if (cursor is not null && !ScanEndpoints.CursorText().IsMatch(cursor)) return Problems.BadRequest("cursor", "cursor is not one this API issued");
        try
        {
            var page = await grains.GetGrain<IAuditLogGrain>(0).Query(new AuditQuery
            {
                OrgId = http.Caller().OrgScope(), Action = action, Actor = actor, Since = since, Until = until, Cursor = cursor, Limit = limit ?? 50,
            });
            return TypedResults.Ok(new PageView<AuditEntryView>(page.Items.Select(AuditEntryView.Of).ToList(), page.NextCursor));
        }
        catch (ArgumentException ex) when (ex.ParamName == "cursor")
        {
            return Problems.BadRequest("cursor", "cursor is not one this API issued");
        }
    }
}
