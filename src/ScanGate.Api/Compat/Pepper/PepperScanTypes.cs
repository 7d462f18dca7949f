using Microsoft.AspNetCore.Http;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>One of this platform's scan types: the native scan type that does its work, and whether it judges only
/// what is new against a base commit.</summary>
public sealed record PepperScanType(string Word, string NativeType, bool Incremental);

/// <summary>
/// The one table from this platform's <c>scanType</c> words to ScanGate's scan types. A native type this deployment's
/// catalogue does not have (yet) makes its word a 400 naming it, so a row starts working when its scanners land.
/// Which request field carries the target follows from the native type's target kind (<see cref="TargetField"/>).
/// </summary>
public static class PepperScanTypes
{
    public static readonly IReadOnlyList<PepperScanType> Table =
    [
        new("FULL", "code_security", Incremental: false),
        new("SAST_ONLY", "sast", Incremental: false),
        new("SCA_ONLY", "dependency_scan", Incremental: false),
        new("SECRETS_ONLY", "secret_scan", Incremental: false),
        new("CONTAINER_ONLY", "container_image", Incremental: false),
        new("DAST_ONLY", "web_vulnerability", Incremental: false),
        new("INCREMENTAL", "secret_scan", Incremental: true),
    ];

    public static string Words => string.Join(", ", Table.Select(t => t.Word));

    public static PepperScanType? Find(string word) => Table.FirstOrDefault(t => t.Word.Equals(word.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>This platform's word for a native scan (its own native type name when the table has none for it).</summary>
    public static string WordOf(string nativeType, bool newOnly) =>
        (Table.FirstOrDefault(t => t.NativeType == nativeType && t.Incremental == newOnly)
         ?? Table.FirstOrDefault(t => t.NativeType == nativeType))?.Word ?? nativeType;

    /// <summary>The request field that names the target of a native type, by its kind of target.</summary>
    public static string TargetField(TargetKind kind) => kind switch
    {
        TargetKind.GitRepository => "repoUrl",
        TargetKind.ContainerImage => "image",
        TargetKind.Url => "targetUrl",
        _ => "target",
    };

    /// <summary>A request's scanType and the native type from the catalogue that runs it, or the 400 that says why not:
    /// missing, unknown, or mapped to a native type this deployment does not offer (yet).</summary>
    public static (PepperScanType? Type, ScanTypeDefinition? Native, IResult? Error) Resolve(string? word, ScanCatalog catalog)
    {
        if (word is null) return (null, null, PepperEndpoints.BadRequest("scanType", $"scanType is required: one of {Words}"));
        if (Find(word) is not { } type)
            return (null, null, PepperEndpoints.BadRequest("scanType", $"unknown scanType '{word}'; scan types: {Words}", "Unknown scanType"));
        if (catalog.FindType(type.NativeType) is { } native) return (type, native, null);
        var available = Table.Where(t => catalog.FindType(t.NativeType) is not null).Select(t => t.Word);
        return (type, null, PepperEndpoints.BadRequest("scanType",
            $"scanType {type.Word} runs ScanGate's '{type.NativeType}' scans, which this deployment does not offer yet; available here: {string.Join(", ", available)}",
            "Scan type not available"));
    }

    /// <summary>What a project's scan of <paramref name="kind"/> scans when the request names no target: the
    /// project's repository, or its web application.</summary>
    public static async Task<string?> ProjectTargetAsync(HttpContext http, IGrainFactory grains, string? projectKey, TargetKind kind)
    {
        if (projectKey is null || !ProjectKeys.IsValid(projectKey)
            || await grains.GetGrain<IProjectGrain>(IProjectGrain.KeyOf(http.Caller().OrgId, projectKey)).Get() is not { } project)
            return null;
        return kind switch
        {
            TargetKind.GitRepository => project.RepositoryUrl,
            TargetKind.Url => project.DastTargetUrl,
            _ => null,
        };
    }
}
