using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>Projects (create, list, read, change, delete) and their schedules, over the native project and schedule
/// endpoints. A project is named by its key within the caller's organisation, so another organisation's project is
/// simply not there (404).</summary>
public static class PepperProjects
{
    private static readonly Dictionary<string, string> ProjectFields = new()
    {
        ["projectId"] = "key", ["name"] = "name", ["description"] = "description", ["repoUrl"] = "repository_url", ["defaultBranch"] = "default_branch",
        ["failOn"] = "fail_on_severity", ["dastTargetUrl"] = "dast_target_url",
    };

    private static readonly Dictionary<string, string> ScheduleTimingFields = new() { ["cron"] = "cron", ["timezone"] = "timezone", ["enabled"] = "enabled" };
    private static readonly Dictionary<string, string> ScheduleScanFields = new()
    {
        ["branch"] = "branch", ["failOn"] = "fail_on_severity", ["scanProfile"] = "scan_profile", ["pipelineContext"] = "pipeline_context",
    };

    public static RouteGroupBuilder MapPepperProjects(this RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects");
        projects.MapPost("", CreateProject).RequireScope(Scopes.ProjectsManage);
        projects.MapGet("", ListProjects).RequireScope(Scopes.ScansRead);
        projects.MapGet("/{projectId}", GetProject).RequireScope(Scopes.ScansRead);
        projects.MapPatch("/{projectId}", UpdateProject).RequireScope(Scopes.ProjectsManage);
        projects.MapDelete("/{projectId}", async (string projectId, HttpContext http, ProjectService projects) =>
            Done(await projects.DeleteAsync(http.Actor(), projectId))).RequireScope(Scopes.ProjectsManage);

        // The documented one: "nightly / weekly cron".
        projects.MapPost("/{projectId}/schedule", CreateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        var schedules = projects.MapGroup("/{projectId}/schedules");
        schedules.MapGet("", ListSchedules).RequireScope(Scopes.ScansRead);
        schedules.MapGet("/{scheduleId}", GetSchedule).RequireScope(Scopes.ScansRead);
        schedules.MapPost("", CreateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        schedules.MapPatch("/{scheduleId}", UpdateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        schedules.MapDelete("/{scheduleId}", async (string projectId, string scheduleId, HttpContext http, ProjectService projects) =>
            Done(await projects.DeleteScheduleAsync(http.Actor(), projectId, scheduleId))).RequireScope(Scopes.ProjectsManage);
        return api;
    }

    private static IResult Done(Outcome<string> deleted) => deleted.Ok ? TypedResults.NoContent() : PepperEndpoints.From(deleted.Error!);

    /// <summary>A project in this platform's words, with the URLs its Git host's webhooks are to call.</summary>
    private static object View(Project project, HttpContext http) => View(ProjectView.Of(project), http);

    private static object View(ProjectView p, HttpContext http) => new
    {
        id = p.Key, projectId = p.Key, name = p.Name, description = p.Description, repoUrl = p.RepositoryUrl, defaultBranch = p.DefaultBranch,
        failOn = p.FailOnSeverity.ToUpperInvariant(), dastTargetUrl = p.DastTargetUrl, createdAt = p.CreatedAt, updatedAt = p.UpdatedAt,
        recentScans = p.RecentScans,
    };

    private static JsonNode? Word(string field, JsonNode? value) => field == "failOn" ? PepperEndpoints.LowerWord(value) : value;

    /// <summary>This platform's project body read as the native one.</summary>
    private static async Task<(JsonElement Native, IResult? Error)> ReadProjectAsync(HttpContext http, IReadOnlyDictionary<string, string> fields)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return (default, error);
        try { return (JsonSerializer.SerializeToElement(PepperEndpoints.Translate(body, fields, Word)), null); }
        catch (RequestValidationException ex) { return (default, PepperEndpoints.BadRequest(ex.Field, ex.Message)); }
    }

    private static async Task<IResult> CreateProject(HttpContext http, ProjectService projects)
    {
        var (native, error) = await ReadProjectAsync(http, ProjectFields);
        if (error is not null) return error;
        var created = await projects.CreateAsync(http.Actor(), native);
        return created.Ok ? PepperEndpoints.Ok(View(created.Value!, http), StatusCodes.Status201Created) : PepperEndpoints.From(created.Error!);
    }

    private static async Task<IResult> UpdateProject(string projectId, HttpContext http, ProjectService projects)
    {
        var (native, error) = await ReadProjectAsync(http, ProjectFields.Where(f => f.Key != "projectId").ToDictionary());
        if (error is not null) return error;
        var updated = await projects.UpdateAsync(http.Actor(), projectId, native);
        return updated.Ok ? PepperEndpoints.Ok(View(updated.Value!, http)) : PepperEndpoints.From(updated.Error!);
    }

    private static async Task<IResult> ListProjects(HttpContext http, ProjectService projects) =>
        PepperEndpoints.Ok(new { projects = (await projects.ListAsync(http.Actor())).Select(p => View(p, http)) });

    private static async Task<IResult> GetProject(string projectId, HttpContext http, ProjectService projects) =>
        await projects.GetAsync(http.Actor(), projectId) is { } p ? PepperEndpoints.Ok(View(p, http)) : PepperEndpoints.NotFound($"no project '{projectId}'");

    private static object ScheduleView(ScheduleView s) => new
    {
        scheduleId = s.Id, projectId = s.Project, cron = s.Cron, timezone = s.Timezone, enabled = s.Enabled,
        scanType = PepperScanTypes.WordOf(s.ScanType, newOnly: false), nativeScanType = s.ScanType, target = s.Target, branch = s.Branch,
        failOn = s.FailOnSeverity?.ToUpperInvariant(), createdAt = s.CreatedAt, nextRunAt = s.NextRunAt, lastRunAt = s.LastRunAt,
        lastScanId = s.LastScanId, lastError = s.LastError,
    };

    private static object ScheduleView(ProjectSchedule s) => ScheduleView(ScanGate.Api.ScheduleView.Of(s));

    private static async Task<IResult> ListSchedules(string projectId, HttpContext http, ProjectService projects)
    {
        var listed = await projects.ListSchedulesAsync(http.Actor(), projectId);
        return listed.Ok ? PepperEndpoints.Ok(new { schedules = listed.Value!.Select(ScheduleView) }) : PepperEndpoints.From(listed.Error!);
    }

    private static async Task<IResult> GetSchedule(string projectId, string scheduleId, HttpContext http, ProjectService projects)
    {
        var found = await projects.GetScheduleAsync(http.Actor(), projectId, scheduleId);
        return found.Ok ? PepperEndpoints.Ok(ScheduleView(found.Value!)) : PepperEndpoints.From(found.Error!);
    }

    /// <summary>A schedule: its timing, and the scan it runs in the words of POST /api/scans (scanType, the target
    /// field of its type or the project's repository, branch, failOn).</summary>
    private static async Task<IResult> CreateSchedule(string projectId, HttpContext http, IGrainFactory grains, ScanCatalog catalog,
        ProjectService projects)
    {
        if (!(await projects.ListSchedulesAsync(http.Actor(), projectId)).Ok) return PepperEndpoints.NotFound($"no project '{projectId}'");
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        var native = new JsonObject();
        try
        {
            var (type, nativeType, refusal) = PepperScanTypes.Resolve(JsonFields.String(body, "scanType", 50) ?? "FULL", catalog);
            if (type is null || nativeType is null) return refusal!;
            var targetField = PepperScanTypes.TargetField(nativeType.TargetKind);
            native["scan_type"] = nativeType.Name;
            native["project"] = projectId; // a schedule scans its own project, which an incremental gate needs named
            if (type.Incremental) native["new_only"] = true;
            foreach (var p in body.EnumerateObject())
            {
                var value = JsonNode.Parse(p.Value.GetRawText());
                if (p.Name == "scanType") continue;
                if (p.Name == targetField) native["target"] = value;
                else if (p.Name == "cron") native["cron"] = CronOf(p.Value);
                else if (ScheduleTimingFields.TryGetValue(p.Name, out var timing)) native[timing] = value;
                else if (ScheduleScanFields.TryGetValue(p.Name, out var scan)) native[scan] = Word(p.Name, value);
                else throw new RequestValidationException(p.Name, $"unknown field '{p.Name}'; fields: scanType, {targetField}, "
                    + string.Join(", ", ScheduleTimingFields.Keys.Concat(ScheduleScanFields.Keys)));
            }
            native["target"] ??= await PepperScanTypes.ProjectTargetAsync(http, grains, projectId, nativeType.TargetKind);
            if (native["target"] is null) throw new RequestValidationException(targetField, $"{targetField} is required for scanType {type.Word}");
            // Callbacks of this surface are https to a public address, whatever the deployment allows natively.
            var created = await projects.CreateScheduleAsync(http.Actor(), projectId, JsonSerializer.SerializeToElement(native),
                allowPrivateCallbacks: false, http.RequestAborted);
            return created.Ok
                ? PepperEndpoints.Ok(ScheduleView(created.Value!), StatusCodes.Status201Created)
                : PepperEndpoints.From(created.Error!, field => field == "target" ? targetField : PepperEndpoints.FieldName(field));
        }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
    }

    /// <summary>The platform's "nightly" and "weekly" (02:00, and Monday 02:00, in the schedule's timezone), or a cron expression.</summary>
    private static JsonNode? CronOf(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim().ToLowerInvariant() switch
    {
        "nightly" => "0 2 * * *",
        "weekly" => "0 2 * * 1",
        _ => value.GetString(),
    } : JsonNode.Parse(value.GetRawText());

    private static async Task<IResult> UpdateSchedule(string projectId, string scheduleId, HttpContext http, ProjectService projects)
    {
        if (await projects.GetScheduleAsync(http.Actor(), projectId, scheduleId) is { Ok: false } missing) return PepperEndpoints.From(missing.Error!);
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        JsonElement native;
        try { native = JsonSerializer.SerializeToElement(PepperEndpoints.Translate(body, ScheduleTimingFields)); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        var updated = await projects.UpdateScheduleAsync(http.Actor(), projectId, scheduleId, native);
        return updated.Ok ? PepperEndpoints.Ok(ScheduleView(updated.Value!)) : PepperEndpoints.From(updated.Error!);
    }
}
