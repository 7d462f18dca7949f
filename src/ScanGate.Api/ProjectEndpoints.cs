using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Api;

public static class ProjectEndpoints
{
    public static RouteGroupBuilder MapProjectEndpoints(this RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("projects");
        projects.MapPost("", CreateProject).RequireScope(Scopes.ProjectsManage)
            .WithName("createProject").WithSummary("Create a project").DescribesBody<ProjectRequestDocument>().Produces<ProjectView>(StatusCodes.Status201Created).ProducesProblems(400, 409, 413);
        projects.MapGet("", ListProjects).RequireScope(Scopes.ScansRead)
            .WithName("listProjects").WithSummary("List the organisation's projects").Produces<PageView<ProjectView>>();
        projects.MapGet("/{key}", GetProject).RequireScope(Scopes.ScansRead)
            .WithName("getProject").WithSummary("Get a project").Produces<ProjectView>().ProducesProblems(404);
        projects.MapPatch("/{key}", UpdateProject).RequireScope(Scopes.ProjectsManage)
            .WithName("updateProject").WithSummary("Change a project").DescribesBody<ProjectRequestDocument>().Produces<ProjectView>().ProducesProblems(400, 404, 413);
        projects.MapDelete("/{key}", DeleteProject).RequireScope(Scopes.ProjectsManage)
            .WithName("deleteProject").WithSummary("Delete a project").Produces(StatusCodes.Status204NoContent).ProducesProblems(404, 409);
        projects.MapScheduleEndpoints();
        return api;
    }

    internal static async Task<IResult> CreateProject(HttpContext http, ProjectService projects)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, ProjectService.Fields);
        if (error is not null) return error;
        var created = await projects.CreateAsync(http.Actor(), body);
        return created.Ok ? TypedResults.Created($"/api/v1/projects/{created.Value!.Key}", ProjectView.Of(created.Value)) : Problems.From(created.Error!);
    }

    internal static async Task<IResult> ListProjects(HttpContext http, ProjectService projects) =>
        TypedResults.Ok(new PageView<ProjectView>((await projects.ListAsync(http.Actor())).Select(ProjectView.Of).ToList(), null));

    internal static async Task<IResult> GetProject(string key, HttpContext http, ProjectService projects) =>
        await projects.GetAsync(http.Actor(), key) is { } p ? TypedResults.Ok(ProjectView.Of(p)) : Problems.NotFound($"no project '{key}'");

    internal static async Task<IResult> UpdateProject(string key, HttpContext http, ProjectService projects)
    {
        if (await projects.GetAsync(http.Actor(), key) is null) return Problems.NotFound($"no project '{key}'");
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, ProjectService.Fields.Where(f => f != "key").ToArray());
        if (error is not null) return error;
        var updated = await projects.UpdateAsync(http.Actor(), key, body);
        return updated.Ok ? TypedResults.Ok(ProjectView.Of(updated.Value!)) : Problems.From(updated.Error!);
    }

    internal static async Task<IResult> DeleteProject(string key, HttpContext http, ProjectService projects) =>
        await projects.DeleteAsync(http.Actor(), key) is { Ok: false } refused ? Problems.From(refused.Error!) : TypedResults.NoContent();
}
