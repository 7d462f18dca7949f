using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api;

/// <summary>A project's scheduled scans: /api/v1/projects/{key}/schedules. Changing them takes what changing the
/// project takes, and also scans:trigger, since a schedule triggers scans.</summary>
public static class ScheduleEndpoints
{
    private static readonly string[] TimingFields = ["cron", "timezone", "enabled"];

    public static RouteGroupBuilder MapScheduleEndpoints(this RouteGroupBuilder projects)
    {
        var schedules = projects.MapGroup("/{key}/schedules");
        schedules.MapGet("", ListSchedules).RequireScope(Scopes.ScansRead);
        schedules.MapGet("/{id}", GetSchedule).RequireScope(Scopes.ScansRead);
        schedules.MapPost("", CreateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        schedules.MapPatch("/{id}", UpdateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger);
        schedules.MapDelete("/{id}", DeleteSchedule).RequireScope(Scopes.ProjectsManage);
        return projects;
    }

    /// <summary>The caller's organisation's project: another organisation's project of the same key is another grain.</summary>
    private static IProjectGrain Project(IGrainFactory grains, HttpContext http, string key) =>
        grains.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(http.Caller().OrgId, key));

    private static IResult NoProject(string key) => Problems.NotFound($"no project '{key}'");
    private static IResult NoSchedule(string key, string id) => Problems.NotFound($"no schedule '{id}' in project '{key}'");

    private static async Task<IReadOnlyList<ProjectSchedule>?> SchedulesOf(IGrainFactory grains, HttpContext http, string key) =>
        ProjectKeys.IsValid(key) ? await Project(grains, http, key).Schedules() : null;

    internal static async Task<IResult> ListSchedules(string key, HttpContext http, IGrainFactory grains) =>
        await SchedulesOf(grains, http, key) is { } schedules
            ? TypedResults.Ok(new PageView<ScheduleView>(schedules.Select(ScheduleView.Of).ToList(), null))
            : NoProject(key);

    internal static async Task<IResult> GetSchedule(string key, string id, HttpContext http, IGrainFactory grains)
    {
        if (await SchedulesOf(grains, http, key) is not { } schedules) return NoProject(key);
        return schedules.FirstOrDefault(s => s.Id == id) is { } schedule ? TypedResults.Ok(ScheduleView.Of(schedule)) : NoSchedule(key, id);
    }

    internal static async Task<IResult> CreateSchedule(string key, HttpContext http, IGrainFactory grains, ScanCatalog catalog,
        IOptions<ApiOptions> apiOptions, IOptions<ScheduleOptions> scheduleOptions, TargetPolicy targets, Clock clock)
    {
        if (await SchedulesOf(grains, http, key) is null) return NoProject(key);
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request);
        if (error is not null) return error;
        var caller = http.Caller();
        try
        {
            var cron = RequestBody.RequiredString(body, "cron", 200);
            var timeZone = RequestBody.String(body, "timezone", 100) ?? "UTC";
            var enabled = RequestBody.Bool(body, "enabled") ?? true;
            CheckTiming(cron, timeZone, scheduleOptions.Value, clock);
            var (scan, failOnChosen) = await ScanRequestParser.ParseAllowedAsync(body, catalog, caller.OrgId, apiOptions.Value.AllowPrivateCallbacks,
                targets, http.RequestAborted, TimingFields);
            if (scan.ProjectKey is { } named && named != key)
                throw new RequestValidationException("project", $"a schedule scans the project it belongs to ('{key}'); leave project out");

            var result = await Project(grains, http, key).AddSchedule(new ProjectSchedule
            {
                Id = "sch_" + SortableId.New(), Cron = cron, TimeZone = timeZone, Enabled = enabled,
                Scan = scan, FailOnSeverityChosen = failOnChosen, CreatedBy = caller.MemberId,
            });
            if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
            var schedule = result.Value!;
            await http.AuditAsync(grains, "schedule.created", key, new Dictionary<string, string>
            {
                ["schedule"] = schedule.Id, ["cron"] = cron, ["timezone"] = timeZone, ["enabled"] = enabled ? "true" : "false",
                ["scan_type"] = scan.ScanType, ["target"] = scan.Target,
            });
            return TypedResults.Created($"/api/v1/projects/{key}/schedules/{schedule.Id}", ScheduleView.Of(schedule));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> UpdateSchedule(string key, string id, HttpContext http, IGrainFactory grains,
        IOptions<ScheduleOptions> scheduleOptions, Clock clock)
    {
        if (await SchedulesOf(grains, http, key) is not { } schedules) return NoProject(key);
        if (schedules.FirstOrDefault(s => s.Id == id) is not { } current) return NoSchedule(key, id);
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, TimingFields);
        if (error is not null) return error;
        try
        {
            var change = new ScheduleChange
            {
                Cron = RequestBody.String(body, "cron", 200),
                TimeZone = RequestBody.String(body, "timezone", 100),
                Enabled = RequestBody.Bool(body, "enabled"),
            };
            if (change.Cron is not null || change.TimeZone is not null)
                CheckTiming(change.Cron ?? current.Cron, change.TimeZone ?? current.TimeZone, scheduleOptions.Value, clock);
            var result = await Project(grains, http, key).ChangeSchedule(id, change);
            if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
            await http.AuditAsync(grains, "schedule.updated", key, new Dictionary<string, string>
            {
                ["schedule"] = id, ["fields"] = string.Join(' ', body.EnumerateObject().Select(p => p.Name)),
                ["cron"] = result.Value!.Cron, ["timezone"] = result.Value.TimeZone, ["enabled"] = result.Value.Enabled ? "true" : "false",
            });
            return TypedResults.Ok(ScheduleView.Of(result.Value));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> DeleteSchedule(string key, string id, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectKeys.IsValid(key) || await Project(grains, http, key).Get() is null) return NoProject(key);
        if (!await Project(grains, http, key).RemoveSchedule(id)) return NoSchedule(key, id);
        await http.AuditAsync(grains, "schedule.deleted", key, new Dictionary<string, string> { ["schedule"] = id });
        return TypedResults.NoContent();
    }

    /// <summary>The schedule's timing, checked here to name the field at fault (the project grain checks it again).</summary>
    private static void CheckTiming(string cron, string timeZone, ScheduleOptions options, Clock clock)
    {
        if (CronSchedule.Refusal(cron, timeZone, options.MinimumInterval, clock.UtcNow) is { } refusal)
            throw new RequestValidationException(refusal.Field, refusal.Detail);
    }
}
