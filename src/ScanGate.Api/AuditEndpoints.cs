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
        api.MapGet("/audit-log", Query).RequireScope(Scopes.AuditRead).WithTags("audit")
            .WithName("queryAuditLog").WithSummary("Query the organisation's audit log").Produces<PageView<AuditEntryView>>().ProducesProblems(400);
        return api;
    }

    internal static async Task<IResult> Query(HttpContext http, AuditTrail audit, string? action, string? actor,
        DateTimeOffset? since, DateTimeOffset? until, string? cursor, int? limit)
    {
        var page = await audit.QueryAsync(http.Actor(), new AuditQuery
        {
            Action = action, Actor = actor, Since = since, Until = until, Cursor = cursor, Limit = limit ?? 50,
        });
        return page.Ok
            ? TypedResults.Ok(new PageView<AuditEntryView>(page.Value!.Items.Select(AuditEntryView.Of).ToList(), page.Value.NextCursor))
            : Problems.From(page.Error!);
    }
}
