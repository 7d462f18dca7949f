using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// <c>/compat/pepper</c>: a full platform API (scans, artifacts, findings, projects and schedules, API keys, audit,
/// trends, pre-commit checks, CI templates, inbound Git webhooks) as a thin adapter over the native endpoints: each
/// call translates its camelCase body and words into the native request, lets the native handler do the work
/// (validation included), and answers the native result in this platform's shape. Keys come as
/// <c>Authorization: Bearer</c>; a key without the scope is a 403, and so is another organisation's scan or finding
/// (the native API says 404).
/// </summary>
public static class PepperEndpoints
{
    public const string BasePath = "/compat/pepper";
    public const string ApiPath = BasePath + "/api";
    public static readonly CompatSurface Surface = new("pepper", [], AcceptsBearer: true, MissingScopeStatus: StatusCodes.Status403Forbidden);

    /// <summary>camelCase, as this platform documents; enums are written as the words each view chooses.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapPepperEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(ApiPath).AsCompatSurface(Surface);
        api.MapPepperScans();
        api.MapPepperFindings();
        api.MapPepperProjects();
        api.MapPepperAccount();
        api.MapPepperDashboard();
        api.MapPepperPrecommit();
        api.MapPepperTemplates();
        api.MapPepperWebhooks();
        api.MapPepperIde();
        api.MapPepperIntegrations();
        return app;
    }

    public static IResult Ok(object value, int status = StatusCodes.Status200OK) => TypedResults.Json(value, Json, statusCode: status);

    /// <summary>Upper-case words for ScanGate's snake_case ones (QUEUED, IN_PROGRESS, CRITICAL …).</summary>
    public static string Upper<T>(T value) where T : struct, Enum => value.Word().ToUpperInvariant();

    /// <summary>This platform's word → the native word (lower case); the native handler validates it.</summary>
    public static string Lower(string word) => word.Trim().ToLowerInvariant();

    public static string GateResult(bool? passed) => passed switch { true => "PASSED", false => "FAILED", null => "PENDING" };

    public static IResult BadRequest(string field, string detail, string error = "Invalid request") =>
        CompatSurface.Error(StatusCodes.Status400BadRequest, error, detail, new Dictionary<string, object?> { ["field"] = field });

    public static IResult NotFound(string detail) => CompatSurface.Error(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>A documented capability ScanGate cannot provide: 501 with what it does instead (docs/compat.md).</summary>
    public static IResult NotImplemented(string error, string detail) => CompatSurface.Error(StatusCodes.Status501NotImplemented, error, detail);

    public static IResult Forbidden(string detail) => CompatSurface.Error(StatusCodes.Status403Forbidden, "Forbidden", detail);

    /// <summary>The caller's scan; 403 when it belongs to another organisation, 404 when there is none.</summary>
    public static async Task<(ScanSnapshot? Scan, IResult? Error)> ScanAsync(HttpContext http, IGrainFactory grains, string id)
    {
        if (await http.VisibleScanAsync(id) is { } scan) return (scan, null);
        if (Tenancy.IsScanId(id) && await grains.GetGrain<IScanGrain>(id).Get() is not null)
            return (null, Forbidden($"scan '{id}' belongs to an organisation this key is not a member of"));
        return (null, NotFound($"no scan with id '{id}'"));
    }

    /// <summary>A native result in this surface's shape: a problem keeps its status, its field is named in this
    /// platform's words; anything else is passed on.</summary>
    public static IResult Rewrap(IResult native, Func<string, string>? fieldName = null)
    {
        if (native is not ProblemHttpResult p) return native;
        var more = p.ProblemDetails.Extensions.ToDictionary();
        if (more.TryGetValue("field", out var f) && f is string field) more["field"] = (fieldName ?? FieldName)(field);
        var error = p.StatusCode switch
        {
            StatusCodes.Status402PaymentRequired => "Plan limit reached",
            _ => p.ProblemDetails.Title ?? "Error",
        };
        return CompatSurface.Error(p.StatusCode, error, p.ProblemDetails.Detail, more);
    }

    /// <summary>An application refusal in this surface's shape.</summary>
    public static IResult From(AppError error, Func<string, string>? fieldName = null) => Rewrap(Problems.From(error), fieldName);

    /// <summary>A native field name in this platform's words: snake_case becomes camelCase, and a few differ.</summary>
    public static string FieldName(string native) => native switch
    {
        "scan_type" => "scanType",
        "commit" => "commitSha",
        "base_commit" => "baseSha",
        "fail_on_severity" => "failOn",
        "project" or "key" or "new_only" => "projectId",
        "note" => "statusNote",
        "repository_url" => "repoUrl",
        "scan_id" => "scanId",
        _ => SnakeToCamel(native),
    };

    private static string SnakeToCamel(string name)
    {
        var parts = name.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    /// <summary>
    /// Translates this platform's camelCase JSON object into the native body: each known member is renamed (and its
    /// value passed through <paramref name="convert"/>, e.g. to lower-case a word); an unknown member is a 400.
    /// </summary>
    public static JsonObject Translate(JsonElement body, IReadOnlyDictionary<string, string> names, Func<string, JsonNode?, JsonNode?>? convert = null)
    {
        var native = new JsonObject();
        foreach (var p in body.EnumerateObject())
        {
            if (!names.TryGetValue(p.Name, out var nativeName))
                throw new RequestValidationException(p.Name, $"unknown field '{p.Name}'; known fields: {string.Join(", ", names.Keys)}");
            var value = JsonNode.Parse(p.Value.GetRawText());
            native[nativeName] = convert is null ? value : convert(p.Name, value);
        }
        return native;
    }

    /// <summary>A string member's value lower-cased (the native words), anything else as it is.</summary>
    public static JsonNode? LowerWord(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue<string>(out var s) ? JsonValue.Create(Lower(s)) : value;

    public static async Task<(JsonElement Body, IResult? Error)> ReadJsonAsync(HttpRequest request)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(request);
        return (body, error is null ? null : Rewrap(error));
    }
}
