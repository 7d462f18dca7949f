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
    private static readonly string[] Fields = ["key", "name", "repository_url", "default_branch", "fail_on_severity", "dast_target_url", "webhook_secret"];
    public const int MinWebhookSecretLength = 16;

    public static RouteGroupBuilder MapProjectEndpoints(this RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("projects");
        projects.MapPost("", CreateProject).RequireScope(Scopes.ProjectsManage);
        projects.MapGet("", ListProjects).RequireScope(Scopes.ScansRead);
        projects.MapGet("/{key}", GetProject).RequireScope(Scopes.ScansRead);
        projects.MapPatch("/{key}", UpdateProject).RequireScope(Scopes.ProjectsManage);
        projects.MapDelete("/{key}", DeleteProject).RequireScope(Scopes.ProjectsManage);
        projects.MapScheduleEndpoints();
        return api;
    }

    private static IProjectGrain Grain(IGrainFactory grains, HttpContext http, string key) =>
        grains.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(http.Caller().OrgId, key));

    internal static async Task<IResult> CreateProject(HttpContext http, IGrainFactory grains)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, Fields);
        if (error is not null) return error;
        try
        {
            var name = RequestBody.RequiredString(body, "name", 200);
            var key = RequestBody.String(body, "key", 64) ?? ProjectKeys.FromTarget(null, name);
            if (!ProjectKeys.IsValid(key)) throw new RequestValidationException("key", ProjectKeys.Rule);
            var project = Read(body, new Project { OrgId = http.Caller().OrgId, Key = key, Name = name });
            var result = await Grain(grains, http, key).Create(project);
            if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
            await http.AuditAsync(grains, "project.created", key, new Dictionary<string, string> { ["name"] = name });
            return TypedResults.Created($"/api/v1/projects/{key}", ProjectView.Of(result.Value!));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> ListProjects(HttpContext http, IGrainFactory grains)
    {
        var list = new List<ProjectView>();
        foreach (var key in await grains.GetGrain<IOrganizationGrain>(http.Caller().OrgId).Projects())
            if (await Grain(grains, http, key).Get() is { } p) list.Add(ProjectView.Of(p));
        return TypedResults.Ok(new PageView<ProjectView>(list, null));
    }

    internal static async Task<IResult> GetProject(string key, HttpContext http, IGrainFactory grains) =>
        ProjectKeys.IsValid(key) && await Grain(grains, http, key).Get() is { } p ? TypedResults.Ok(ProjectView.Of(p)) : Problems.NotFound($"no project '{key}'");

    internal static async Task<IResult> UpdateProject(string key, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectKeys.IsValid(key) || await Grain(grains, http, key).Get() is not { } current) return Problems.NotFound($"no project '{key}'");
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, Fields.Where(f => f != "key").ToArray());
        if (error is not null) return error;
        try
        {
            var updated = Read(body, current with { Name = RequestBody.String(body, "name", 200) ?? current.Name });
            var result = await Grain(grains, http, key).Update(updated);
            if (!result.Ok) return Problems.FromCommand(result.Error, result.Message);
            await http.AuditAsync(grains, "project.updated", key, new Dictionary<string, string>
            {
                ["fields"] = string.Join(' ', body.EnumerateObject().Select(p => p.Name)),
            });
            return TypedResults.Ok(ProjectView.Of(result.Value!));
        }
        catch (RequestValidationException ex) { return Problems.BadRequest(ex.Field, ex.Message); }
    }

    internal static async Task<IResult> DeleteProject(string key, HttpContext http, IGrainFactory grains)
    {
        if (!ProjectKeys.IsValid(key) || !await Grain(grains, http, key).Delete()) return Problems.NotFound($"no project '{key}'");
        await http.AuditAsync(grains, "project.deleted", key);
        return TypedResults.NoContent();
    }

    /// <summary>The optional settings of a project body, over <paramref name="project"/>'s current values.</summary>
    private static Project Read(JsonElement body, Project project)
    {
        var repo = RequestBody.String(body, "repository_url", 2048);
        if (repo is not null && !Targets.TryNormalize(TargetKind.GitRepository, repo, out repo, out var repoError))
            throw new RequestValidationException("repository_url", repoError);
        var dast = RequestBody.String(body, "dast_target_url", 2048);
        if (dast is not null && !Targets.TryNormalize(TargetKind.Url, dast, out dast, out var dastError))
            throw new RequestValidationException("dast_target_url", dastError);
        var branch = RequestBody.String(body, "default_branch", 200);
        var webhookSecret = RequestBody.String(body, "webhook_secret", 256);
        if (webhookSecret is { Length: < MinWebhookSecretLength })
            throw new RequestValidationException("webhook_secret", $"webhook_secret must be at least {MinWebhookSecretLength} characters");
        Severity? failOn = project.FailOnSeverity;
        if (RequestBody.String(body, "fail_on_severity", 20) is { } word)
            failOn = word == "none" ? null
                : StatusWords.TryParseSeverity(word, out var s) && s != Severity.Info ? s
                : throw new RequestValidationException("fail_on_severity", "fail_on_severity must be one of critical, high, medium, low, none");
        return project with
        {
            RepositoryUrl = repo ?? project.RepositoryUrl,
            DastTargetUrl = dast ?? project.DastTargetUrl,
            DefaultBranch = branch ?? project.DefaultBranch,
            FailOnSeverity = failOn,
            WebhookSecret = webhookSecret ?? project.WebhookSecret,
        };
    }
}
