using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Orleans.Runtime;
using ScanGate.Api.Auth;
using ScanGate.Contracts;

namespace ScanGate.Api;

/// <summary>
/// A scan's artifacts: the list, and downloads streamed from the store through the scan's artifacts grain (so an
/// API node that is only an Orleans client serves them too). They need findings:read, as the findings do: a raw
/// report or a SARIF file holds the same findings.
/// </summary>
public static class ArtifactEndpoints
{
    public static RouteGroupBuilder MapArtifactEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/scans/{id}/artifacts", ListArtifacts).RequireScope(Scopes.FindingsRead).WithTags("artifacts")
            .WithName("listScanArtifacts").WithSummary("List a scan's artifacts (raw scanner output, reports)").Produces<ArtifactListView>().ProducesProblems(404);
        api.MapGet("/scans/{id}/artifacts/{type}", DownloadArtifact).RequireScope(Scopes.FindingsRead).WithTags("artifacts")
            .WithName("downloadScanArtifact").WithSummary("Download one artifact of a scan").Produces(StatusCodes.Status200OK, typeof(byte[]), "application/octet-stream").ProducesProblems(400, 404);
        return api;
    }

    internal static async Task<IResult> ListArtifacts(string id, HttpContext http, ArtifactQueries artifacts)
    {
        var listed = await artifacts.ListAsync(http.Caller(), id);
        return listed.Ok
            ? TypedResults.Ok(new ArtifactListView(listed.Value!.Select(a => ArtifactView.Of(a, listed.Value!)).ToList()))
            : Problems.From(listed.Error!);
    }

    internal static async Task<IResult> DownloadArtifact(string id, string type, string? name, HttpContext http, ArtifactQueries artifacts)
    {
        if (StatusWords.ParseWord<ArtifactType>(type) is not { } artifactType)
        {
            if (await http.VisibleScanAsync(id) is null) return Problems.ScanNotFound(id);
            return Problems.NotFound($"there is no artifact type '{type}'; the types are {StatusWords.Words<ArtifactType>()}");
        }
        var opened = await artifacts.OpenAsync(http.Caller(), id, artifactType, name, http.RequestAborted);
        return opened.Ok ? Stream(http, opened.Value!) : Problems.From(opened.Error!);
    }

    /// <summary>An opened artifact as a download (any surface): its name, type, length, date and SHA-256 entity tag.</summary>
    public static IResult Stream(HttpContext http, OpenArtifact artifact)
    {
        http.Response.RegisterForDisposeAsync(artifact); // ends the grain's read however the response ends
        var info = artifact.Info;
        return TypedResults.Stream(async body =>
        {
            // Set here, not before: a conditional request answered 304 never gets this far, and sends no body.
            http.Response.ContentLength = info.Size;
            await foreach (var chunk in artifact.ContentAsync()) await body.WriteAsync(chunk, http.RequestAborted);
        }, info.MediaType, info.Name, info.CreatedAt, new EntityTagHeaderValue($"\"{info.Sha256}\""));
    }
}
