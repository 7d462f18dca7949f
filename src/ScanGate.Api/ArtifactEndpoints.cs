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
    /// <summary>Chunks per grain message while downloading: 16 × 64 KiB, at most 1 MiB a message.</summary>
    private const int ChunksPerMessage = 16;

    public static RouteGroupBuilder MapArtifactEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/scans/{id}/artifacts", ListArtifacts).RequireScope(Scopes.FindingsRead).WithTags("artifacts");
        api.MapGet("/scans/{id}/artifacts/{type}", DownloadArtifact).RequireScope(Scopes.FindingsRead).WithTags("artifacts");
        return api;
    }

    internal static async Task<IResult> ListArtifacts(string id, HttpContext http, IGrainFactory grains)
    {
        if (await http.VisibleScanAsync(grains, id) is null) return Problems.ScanNotFound(id);
        var artifacts = await grains.GetGrain<IScanArtifactsGrain>(id).List();
        return TypedResults.Ok(new ArtifactListView(artifacts
            .OrderBy(a => a.Type).ThenBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => ArtifactView.Of(a, artifacts)).ToList()));
    }

    internal static async Task<IResult> DownloadArtifact(string id, string type, string? name, HttpContext http, IGrainFactory grains)
    {
        if (await http.VisibleScanAsync(grains, id) is null) return Problems.ScanNotFound(id);
        if (StatusWords.ParseWord<ArtifactType>(type) is not { } artifactType)
            return Problems.NotFound($"there is no artifact type '{type}'; the types are {StatusWords.Words<ArtifactType>()}");
        var artifacts = grains.GetGrain<IScanArtifactsGrain>(id);
        var names = (await artifacts.List()).Where(a => a.Type == artifactType && (name is null || a.Name == name))
            .Select(a => a.Name).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) return NoSuch(id, type, name);
        if (names.Count > 1)
            return Problems.BadRequest("name", $"scan '{id}' has {names.Count} {type} artifacts; choose one with ?name=: {string.Join(", ", names)}",
                new Dictionary<string, object?> { ["names"] = names });

        var chunks = artifacts.Read(names[0]).WithBatchSize(ChunksPerMessage).GetAsyncEnumerator(http.RequestAborted);
        http.Response.RegisterForDisposeAsync(chunks); // ends the grain's read however the response ends
        // The first chunk is the artifact as it is now: it may have been replaced or removed since the list.
        if (!await chunks.MoveNextAsync() || chunks.Current.Info is not { } info || info.Type != artifactType) return NoSuch(id, type, name);
        return TypedResults.Stream(async body =>
        {
            // Set here, not before: a conditional request answered 304 never gets this far, and sends no body.
            http.Response.ContentLength = info.Size;
            while (await chunks.MoveNextAsync()) await body.WriteAsync(chunks.Current.Data, http.RequestAborted);
        }, info.MediaType, info.Name, info.CreatedAt, new EntityTagHeaderValue($"\"{info.Sha256}\""));
    }

    private static IResult NoSuch(string id, string type, string? name) =>
        Problems.NotFound(name is null ? $"scan '{id}' has no {type} artifact" : $"scan '{id}' has no {type} artifact named '{name}'");
}
