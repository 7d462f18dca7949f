using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// <c>GET /api/ide/findings?projectId=&amp;filePath=&amp;minSeverity=</c>: what an editor shows beside a file, the
/// findings in that file of the project's newest scan that is over (completed or stopped), as
/// <c>{project, scan, findings}</c>; <c>scan</c> is null (and <c>findings</c> empty) before the project has one.
/// </summary>
public static class PepperIde
{
    public const int MaxFindings = 1000;

    public static RouteGroupBuilder MapPepperIde(this RouteGroupBuilder api)
    {
        api.MapGet("/ide/findings", Findings).RequireScope(Scopes.FindingsRead);
        return api;
    }

    private static async Task<IResult> Findings(HttpContext http, ProjectService projects, ScanQueries scans, string? projectId, string? filePath,
        string? minSeverity)
    {
        if (projectId is null) return PepperEndpoints.BadRequest("projectId", "projectId is required");
        Severity? min = null;
        if (minSeverity is not null)
        {
            if (!StatusWords.TryParseSeverity(PepperEndpoints.Lower(minSeverity), out var s))
                return PepperEndpoints.BadRequest("minSeverity", "minSeverity must be one of CRITICAL, HIGH, MEDIUM, LOW, INFO");
            min = s;
        }
        if (await projects.GetAsync(http.Actor(), projectId) is not { } project) return PepperEndpoints.NotFound($"no project '{projectId}'");

        ScanSnapshot? scan = null;
        foreach (var id in project.RecentScans)
            if (await scans.GetAsync(http.Caller(), id) is { Status: ScanStatus.Completed or ScanStatus.Stopped } s) { scan = s; break; }

        var findings = new List<object>();
        if (scan is not null)
        {
            string? cursor = null;
            do
            {
                // The text filter narrows the read to findings that mention the path; the exact file is checked here.
                var page = await scans.FindingsAsync(http.Caller(), scan.Id, new FindingQuery { Limit = 500, Cursor = cursor, MinSeverity = min, Text = filePath });
                if (!page.Ok) return PepperEndpoints.From(page.Error!);
                findings.AddRange(page.Value!.Items.Where(f => filePath is null || f.Location.File == filePath).Select(f => PepperFindings.View(FindingView.Of(f))));
                cursor = page.Value.NextCursor;
            } while (cursor is not null && findings.Count < MaxFindings);
        }
        return PepperEndpoints.Ok(new
        {
            project = new { id = project.Key, name = project.Name, repoUrl = project.RepositoryUrl, defaultBranch = project.DefaultBranch },
            scan = scan is null ? null : PepperScans.View(scan),
            findings,
        });
    }
}
