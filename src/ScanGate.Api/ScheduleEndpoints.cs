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
    public static RouteGroupBuilder MapScheduleEndpoints(this RouteGroupBuilder projects)
    {
        var schedules = projects.MapGroup("/{key}/schedules");
        schedules.MapGet("", ListSchedules).RequireScope(Scopes.ScansRead)
            .WithName("listSchedules").WithSummary("List a project's scan schedules").Produces<PageView<ScheduleView>>().ProducesProblems(404);
        schedules.MapGet("/{id}", GetSchedule).RequireScope(Scopes.ScansRead)
            .WithName("getSchedule").WithSummary("Get a scan schedule").Produces<ScheduleView>().ProducesProblems(404);
        schedules.MapPost("", CreateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger)
            .WithName("createSchedule").WithSummary("Schedule a recurring scan of a project").DescribesBody<ScheduleRequestDocument>().Produces<ScheduleView>(StatusCodes.Status201Created).ProducesProblems(400, 404, 409, 413);
        schedules.MapPatch("/{id}", UpdateSchedule).RequireScope(Scopes.ProjectsManage).RequireScope(Scopes.ScansTrigger)
            .WithName("updateSchedule").WithSummary("Change a scan schedule").DescribesBody<ScheduleRequestDocument>().Produces<ScheduleView>().ProducesProblems(400, 404, 413);
        schedules.MapDelete("/{id}", DeleteSchedule).RequireScope(Scopes.ProjectsManage)
            .WithName("deleteSchedule").WithSummary("Delete a scan schedule").Produces(StatusCodes.Status204NoContent).ProducesProblems(404);
        return projects;
    }

    internal static async Task<IResult> ListSchedules(string key, HttpContext http, ProjectService projects) =>
        await projects.ListSchedulesAsync(http.Actor(), key) is { Ok: true } listed
            ? TypedResults.Ok(new PageView<ScheduleView>(listed.Value!.Select(ScheduleView.Of).ToList(), null))
            : Problems.NotFound($"no project '{key}'");

    internal static async Task<IResult> GetSchedule(string key, string id, HttpContext http, ProjectService projects) =>
        Answer(await projects.GetScheduleAsync(http.Actor(), key, id), TypedResults.Ok);

    internal static async Task<IResult> CreateSchedule(string key, HttpContext http, ProjectService projects, IOptions<ApiOptions> apiOptions)
    {
        if (!(await projects.ListSchedulesAsync(http.Actor(), key)).Ok) return Problems.NotFound($"no project '{key}'");
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request);
        if (error is not null) return error;
        return Answer(await projects.CreateScheduleAsync(http.Actor(), key, body, apiOptions.Value.AllowPrivateCallbacks, http.RequestAborted),
            s => TypedResults.Created($"/api/v1/projects/{key}/schedules/{s.Id}", s));
    }

    internal static async Task<IResult> UpdateSchedule(string key, string id, HttpContext http, ProjectService projects)
    {
        if (await projects.GetScheduleAsync(http.Actor(), key, id) is { Ok: false } missing) return Problems.From(missing.Error!);
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, ProjectService.ScheduleTimingFields);
        if (error is not null) return error;
        return Answer(await projects.UpdateScheduleAsync(http.Actor(), key, id, body), TypedResults.Ok);
    }

    internal static async Task<IResult> DeleteSchedule(string key, string id, HttpContext http, ProjectService projects) =>
        await projects.DeleteScheduleAsync(http.Actor(), key, id) is { Ok: false } refused ? Problems.From(refused.Error!) : TypedResults.NoContent();

    private static IResult Answer<T>(Outcome<ProjectSchedule> outcome, Func<ScheduleView, T> ok) where T : IResult =>
        outcome.Ok ? ok(ScheduleView.Of(outcome.Value!)) : Problems.From(outcome.Error!);
}
