using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api.Compat;

/// <summary>
/// <c>/compat/offload</c>: the "CI/CD Integration" API. Its answers are wrapped in <c>data</c>, its status words
/// are pending, running, completed and failed, it takes the key in X-API-Key, and a key it cannot use for the
/// call (missing, invalid, expired, revoked, or without the scope) is a 401.
/// </summary>
public static class OffloadEndpoints
{
    public const string BasePath = "/compat/offload";
    public static readonly CompatSurface Surface = new("offload", ["X-API-Key"], AcceptsBearer: false, MissingScopeStatus: StatusCodes.Status401Unauthorized);

    private static readonly string[] TriggerFields =
        ["scan_type", "target", "scan_profile", "fail_on_severity", "branch", "pipeline_context", "callback_url"];

    public static IEndpointRouteBuilder MapOffloadEndpoints(this IEndpointRouteBuilder app)
    {
        var cicd = app.MapGroup(BasePath + "/api/cicd").AsCompatSurface(Surface);
        cicd.MapPost("/scans/trigger", Trigger).RequireScope(Scopes.ScansTrigger);
        cicd.MapGet("/scans/{id}/status", Status).RequireScope(Scopes.ScansRead);
        cicd.MapGet("/scans/{id}/results", Results).RequireScope(Scopes.ScansRead);
        cicd.MapGet("/scan-types", (ScanCatalog catalog) => TypedResults.Ok(new { data = catalog.ScanTypes.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => new
        {
            scan_type = t.Name, description = t.Description, default_profile = t.DefaultProfile,
            profiles = t.Profiles.Select(p => new { name = p.Name, description = p.Description }),
        }) })).RequireScope(Scopes.ScansRead);
        return app;
    }

    /// <summary>The platform's four status words.</summary>
    public static readonly CompatStatusWords Words = new("pending", "running", "completed", "failed");

    private static async Task<IResult> Trigger(HttpContext http, ScanCatalog catalog, ScanCommands commands, TargetPolicy targets)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, TriggerFields);
        if (error is not null) return CompatSurface.Rewrap(error);
        ScanRequest request;
        bool failOnGiven;
        try
        {
            // Callbacks of this surface are https to a public address, whatever the deployment allows natively.
            (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(body, catalog, http.Caller().OrgId, allowPrivateCallbacks: false,
                targets, http.RequestAborted);
        }
        catch (RequestValidationException ex) when (ex.Field == "scan_type")
        {
            return CompatSurface.Error(StatusCodes.Status400BadRequest, "Unknown scan_type", ex.Message, new Dictionary<string, object?> { ["field"] = ex.Field });
        }
        catch (RequestValidationException ex)
        {
            return CompatSurface.Error(StatusCodes.Status400BadRequest, $"Invalid {ex.Field}", ex.Message, new Dictionary<string, object?> { ["field"] = ex.Field });
        }
        var result = await commands.StartAsync(http.Actor(), request, failOnGiven);
        if (!result.Ok) return CompatSurface.From(result.Error!);
        var id = result.Value!.Scan.Id;
        return TypedResults.Json(new
        {
            data = new
            {
                scan_id = id, status = "pending", scan_type = request.ScanType, scan_profile = request.Profile, target = request.Target,
                status_url = $"{BasePath}/api/cicd/scans/{id}/status", results_url = $"{BasePath}/api/cicd/scans/{id}/results",
            },
        }, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> Status(string id, HttpContext http)
    {
        if (await http.VisibleScanAsync(id) is not { } s) return NotFound(id);
        return TypedResults.Ok(new
        {
            data = new
            {
                scan_id = s.Id, status = Words.Of(s.Status), scan_type = s.Request.ScanType, scan_profile = s.Request.Profile, target = s.Request.Target,
                created_at = s.CreatedAt, started_at = s.StartedAt, completed_at = s.FinishedAt,
                progress = s.Scanners.Count == 0 ? 0 : (int)s.Scanners.Average(r => r.Status.IsTerminal() ? 100 : r.Percent ?? 0),
            },
        });
    }

    private static async Task<IResult> Results(string id, HttpContext http)
    {
        if (await http.VisibleScanAsync(id) is not { } s) return NotFound(id);
        var done = s.Status.IsTerminal();
        return TypedResults.Ok(new
        {
            data = new
            {
                scan_id = s.Id, status = Words.Of(s.Status), scan_type = s.Request.ScanType, target = s.Request.Target,
                findings_count = s.Counts.Total,
                findings_by_severity = new { critical = s.Counts.Critical, high = s.Counts.High, medium = s.Counts.Medium, low = s.Counts.Low, info = s.Counts.Info },
                gate_passed = s.GatePassed,
                fail_on_severity = s.Request.FailOnSeverity?.Word() ?? "none",
                pipeline_context = s.Request.PipelineContextJson is { } ctx ? JsonDocument.Parse(ctx).RootElement.Clone() : (JsonElement?)null,
                result = !done ? null : s.GatePassed == true ? "passed" : "failed",
                reasons = s.GateReasons,
                score = s.Verdict?.Score,
                grade = s.Verdict?.Grade,
                completed_at = s.FinishedAt,
            },
        });
    }

    private static IResult NotFound(string id) => CompatSurface.Error(StatusCodes.Status404NotFound, "Scan not found", $"no scan with id '{id}'");
}
