using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ScanGate.Api.Compat;

/// <summary>
/// A compatibility surface: another platform's CI contract over ScanGate's one core. Put on each of the
/// surface's endpoints as metadata, it tells authentication which header carries the key and how refusals
/// look there (some platforms answer a key without the scope with 401, some with 403).
/// </summary>
public sealed record CompatSurface(
    string Name,
    IReadOnlyList<string> KeyHeaders,
    bool AcceptsBearer,
    int MissingScopeStatus)
{
    /// <summary>An error in the surface's words: problem+json whose <c>title</c> and <c>error</c> are the message the
    /// platform documents, and whose <c>detail</c> says more.</summary>
    public static IResult Error(int status, string error, string? detail = null, IReadOnlyDictionary<string, object?>? more = null) =>
        TypedResults.Problem(statusCode: status, title: error, detail: detail ?? error,
            extensions: new Dictionary<string, object?>(more ?? new Dictionary<string, object?>()) { ["error"] = error });

    public static Task WriteAsync(HttpContext context, int status, string error, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new Dictionary<string, object?>
        {
            ["type"] = "about:blank", ["title"] = error, ["status"] = status, ["detail"] = detail, ["error"] = error,
        }, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json");
    }

    /// <summary>A native problem answered in a surface's shape: same status, the title as its error, and the
    /// <c>field</c> (when there is one) renamed into the surface's words by <paramref name="fieldName"/>.</summary>
    public static IResult Rewrap(IResult problem, Func<string, string>? fieldName = null)
    {
        if (problem is not Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult p) return problem;
        var more = p.ProblemDetails.Extensions.ToDictionary();
        if (fieldName is not null && more.TryGetValue("field", out var f) && f is string field) more["field"] = fieldName(field);
        return Error(p.StatusCode, p.ProblemDetails.Title ?? "Error", p.ProblemDetails.Detail, more);
    }

    /// <summary>An application refusal in a surface's shape.</summary>
    public static IResult From(ScanGate.Application.AppError error, Func<string, string>? fieldName = null) => Rewrap(Problems.From(error), fieldName);

    public static CompatSurface? Of(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<CompatSurface>();
}

/// <summary>Bound from "ScanGate:Compat": which compatibility surfaces this node serves. Each is on unless switched off,
/// e.g. <c>ScanGate__Compat__Enabled__pepper=false</c>; a switched-off surface's paths answer 404.</summary>
public sealed class CompatOptions
{
    public const string Section = "ScanGate:Compat";
    public static readonly string[] Surfaces = ["offload", "harborguard", "aikido", "pepper"];

    public Dictionary<string, bool> Enabled { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool IsEnabled(string surface) => !Enabled.TryGetValue(surface, out var on) || on;

    /// <summary>A switch for a surface that does not exist is a mistake in the configuration: said at start-up.</summary>
    public void Validate()
    {
        if (Enabled.Keys.FirstOrDefault(k => !Surfaces.Contains(k, StringComparer.OrdinalIgnoreCase)) is { } unknown)
            throw new InvalidOperationException($"{Section}:Enabled names '{unknown}', which is not a compatibility surface; they are {string.Join(", ", Surfaces)}");
    }
}

/// <summary>A platform with four status words for ScanGate's seven: waiting, under way, over with results (a stopped
/// scan has partial results and a verdict), and over without.</summary>
public sealed record CompatStatusWords(string Pending, string Running, string Completed, string Failed)
{
    public string Of(ScanGate.Contracts.ScanStatus status) => status switch
    {
        ScanGate.Contracts.ScanStatus.Queued => Pending,
        ScanGate.Contracts.ScanStatus.Running or ScanGate.Contracts.ScanStatus.Paused => Running,
        ScanGate.Contracts.ScanStatus.Completed or ScanGate.Contracts.ScanStatus.Stopped => Completed,
        _ => Failed,
    };
}

public static class CompatSurfaceExtensions
{
    /// <summary>Marks every endpoint of the group as part of <paramref name="surface"/>.</summary>
    public static RouteGroupBuilder AsCompatSurface(this RouteGroupBuilder group, CompatSurface surface) =>
        group.WithMetadata(surface).WithTags("compat: " + surface.Name);
}
