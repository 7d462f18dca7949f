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
        ["projectId"] = "key", ["name"] = "name", ["repositoryUrl"] = "repository_url", ["defaultBranch"] = "default_branch",
        ["failOn"] = "fail_on_severity", ["dastTargetUrl"] = "dast_target_url", ["webhookSecret"] = "webhook_secret",
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
        projects.MapDelete("/{projectId}", (string projectId, HttpContext http, IGrainFactory grains) =>
            Done(ProjectEndpoints.DeleteProject(projectId, http, grains))).RequireScope(Scopes.ProjectsManage);

        var schedules = projects.MapGroup("/{projectId}/schedules");
        schedules.MapGet("", ListSchedules).RequireScope(Scopes.ScansRead);
        schedules.MapGet("/{scheduleId}", GetSchedule).RequireScope(Scopes.ScansRead);
        schedules.MapPost("", CreateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        schedules.MapPatch("/{scheduleId}", UpdateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        schedules.MapDelete("/{scheduleId}", (string projectId, string scheduleId, HttpContext http, IGrainFactory grains) =>
            Done(ScheduleEndpoints.DeleteSchedule(projectId, scheduleId, http, grains))).RequireScope(Scopes.ProjectsManage);
        return api;
    }

    private static async Task<IResult> Done(Task<IResult> native) => PepperEndpoints.Rewrap(await native);

    /// <summary>A project in this platform's words, with the URLs its Git host's webhooks are to call.</summary>
    private static object View(ProjectView p, HttpContext http) => new
    {
        projectId = p.Key, name = p.Name, repositoryUrl = p.RepositoryUrl, defaultBranch = p.DefaultBranch,
        failOn = p.FailOnSeverity.ToUpperInvariant(), dastTargetUrl = p.DastTargetUrl, createdAt = p.CreatedAt, updatedAt = p.UpdatedAt,
        recentScans = p.RecentScans, webhookSecretSet = p.WebhookSecretSet,
        webhooks = new
        {
            github = PepperWebhooks.UrlFor(http, "github", p.Key),
            gitlab = PepperWebhooks.UrlFor(http, "gitlab", p.Key),
        },
    };

    private static JsonNode? Word(string field, JsonNode? value) => field == "failOn" ? PepperEndpoints.LowerWord(value) : value;

    private static async Task<IResult> WithBody(HttpContext http, IReadOnlyDictionary<string, string> fields, Func<Task<IResult>> native,
        Func<ProjectView, IResult> answer)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try { PepperEndpoints.UseNativeBody(http, PepperEndpoints.Translate(body, fields, Word)); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        var (project, refused) = PepperEndpoints.Unwrap<ProjectView>(await native());
        return refused ?? answer(project!);
    }

    private static Task<IResult> CreateProject(HttpContext http, IGrainFactory grains) =>
        WithBody(http, ProjectFields, () => ProjectEndpoints.CreateProject(http, grains), p => PepperEndpoints.Ok(View(p, http), StatusCodes.Status201Created));

    private static Task<IResult> UpdateProject(string projectId, HttpContext http, IGrainFactory grains) =>
        WithBody(http, ProjectFields.Where(f => f.Key != "projectId").ToDictionary(), () => ProjectEndpoints.UpdateProject(projectId, http, grains),
            p => PepperEndpoints.Ok(View(p, http)));

    private static async Task<IResult> ListProjects(HttpContext http, IGrainFactory grains)
    {
        var (page, error) = PepperEndpoints.Unwrap<PageView<ProjectView>>(await ProjectEndpoints.ListProjects(http, grains));
        return error ?? PepperEndpoints.Ok(new { projects = page!.Items.Select(p => View(p, http)) });
    }

    private static async Task<IResult> GetProject(string projectId, HttpContext http, IGrainFactory grains)
    {
        var (project, error) = PepperEndpoints.Unwrap<ProjectView>(await ProjectEndpoints.GetProject(projectId, http, grains));
        return error ?? PepperEndpoints.Ok(View(project!, http));
    }

    private static object ScheduleView(ScheduleView s) => new
    {
        scheduleId = s.Id, projectId = s.Project, cron = s.Cron, timezone = s.Timezone, enabled = s.Enabled,
        scanType = PepperScanTypes.WordOf(s.ScanType, newOnly: false), nativeScanType = s.ScanType, target = s.Target, branch = s.Branch,
        failOn = s.FailOnSeverity?.ToUpperInvariant(), createdAt = s.CreatedAt, nextRunAt = s.NextRunAt, lastRunAt = s.LastRunAt,
        lastScanId = s.LastScanId, lastError = s.LastError,
    };

    private static async Task<IResult> ListSchedules(string projectId, HttpContext http, IGrainFactory grains)
    {
        var (page, error) = PepperEndpoints.Unwrap<PageView<ScheduleView>>(await ScheduleEndpoints.ListSchedules(projectId, http, grains));
        return error ?? PepperEndpoints.Ok(new { schedules = page!.Items.Select(ScheduleView) });
    }

    private static async Task<IResult> GetSchedule(string projectId, string scheduleId, HttpContext http, IGrainFactory grains)
    {
        var (schedule, error) = PepperEndpoints.Unwrap<ScheduleView>(await ScheduleEndpoints.GetSchedule(projectId, scheduleId, http, grains));
        return error ?? PepperEndpoints.Ok(ScheduleView(schedule!));
    }

    /// <summary>A schedule: its timing, and the scan it runs in the words of POST /api/scans (scanType, the target
    /// field of its type or the project's repository, branch, failOn).</summary>
    private static async Task<IResult> CreateSchedule(string projectId, HttpContext http, IGrainFactory grains, ScanCatalog catalog,
        IOptions<ApiOptions> apiOptions, IOptions<ScheduleOptions> scheduleOptions, TargetPolicy targets, Clock clock)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        var native = new JsonObject();
        try
        {
            var (type, nativeType, refusal) = PepperScanTypes.Resolve(RequestBody.String(body, "scanType", 50), catalog);
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
                else if (ScheduleTimingFields.TryGetValue(p.Name, out var timing)) native[timing] = value;
                else if (ScheduleScanFields.TryGetValue(p.Name, out var scan)) native[scan] = Word(p.Name, value);
                else throw new RequestValidationException(p.Name, $"unknown field '{p.Name}'; fields: scanType, {targetField}, "
                    + string.Join(", ", ScheduleTimingFields.Keys.Concat(ScheduleScanFields.Keys)));
            }
            native["target"] ??= await PepperScanTypes.ProjectTargetAsync(http, grains, projectId, nativeType.TargetKind);
            if (native["target"] is null) throw new RequestValidationException(targetField, $"{targetField} is required for scanType {type.Word}");
            PepperEndpoints.UseNativeBody(http, native);
            var (schedule, refused) = PepperEndpoints.Unwrap<ScheduleView>(
                await ScheduleEndpoints.CreateSchedule(projectId, http, grains, catalog, apiOptions, scheduleOptions, targets, clock),
                field => field == "target" ? targetField : PepperEndpoints.FieldName(field));
            return refused ?? PepperEndpoints.Ok(ScheduleView(schedule!), StatusCodes.Status201Created);
        }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
    }

    private static async Task<IResult> UpdateSchedule(string projectId, string scheduleId, HttpContext http, IGrainFactory grains,
        IOptions<ScheduleOptions> scheduleOptions, Clock clock)
    {
        var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
        if (error is not null) return error;
        try { PepperEndpoints.UseNativeBody(http, PepperEndpoints.Translate(body, ScheduleTimingFields)); }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        var (schedule, refused) = PepperEndpoints.Unwrap<ScheduleView>(
            await ScheduleEndpoints.UpdateSchedule(projectId, scheduleId, http, grains, scheduleOptions, clock));
        return refused ?? PepperEndpoints.Ok(ScheduleView(schedule!));
    }
}
