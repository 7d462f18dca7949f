using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api.Compat;

/// <summary>
/// <c>/compat/harborguard</c>: a container-image scanning platform's API. A scan is an image and the tools to run on
/// it (native scan type <c>container_image</c>); answers are camelCase, status words are PENDING, IN_PROGRESS,
/// COMPLETED and FAILED, and a finished scan carries its compliance grade A–D. The key goes in x-api-key or
/// Authorization: Bearer; a key whose scope or role does not allow the call is a 403. Starting scans is limited to
/// <see cref="HarborguardPostLimit.PerMinute"/> POSTs a minute per key, on top of the key's own limit.
/// </summary>
public static class HarborguardEndpoints
{
    public const string BasePath = "/compat/harborguard";
    public static readonly CompatSurface Surface = new("harborguard", ["x-api-key"], AcceptsBearer: true, MissingScopeStatus: StatusCodes.Status403Forbidden);

    /// <summary>The tools the platform documents; its names are ScanGate's scanner names.</summary>
    public static readonly IReadOnlyList<string> Scanners = ["trivy", "grype", "syft", "dockle", "osv", "dive"];

    private const string ScanType = "container_image";

    /// <summary>This surface's JSON: camelCase, nulls written (compliance is null until the scan is over).</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The services the surface needs: its POST limit.</summary>
    public static IServiceCollection AddHarborguardSurface(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(HarborguardPostLimit.PolicyName, new HarborguardPostLimit());
        });

    public static IEndpointRouteBuilder MapHarborguardEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(BasePath + "/api").AsCompatSurface(Surface);
        api.MapPost("/scans", Start).RequireScope(Scopes.ScansTrigger).RequireRateLimiting(HarborguardPostLimit.PolicyName);
        api.MapGet("/scans/{scanId}", Get).RequireScope(Scopes.ScansRead);
        Keys.Map(api, "/keys");
        return app;
    }

    /// <summary>Keys in the platform's format ("hg_live_…") for one of its three roles, whose scopes are ScanGate's
    /// role scopes (viewer reads; developer scans; admin everything).</summary>
    private static readonly CompatKeys Keys = new(
        ["name", "role", "expiresInDays"],
        (body, _) => new NewKey
        {
            Name = JsonFields.RequiredString(body, "name", 200),
            Scopes = (JsonFields.String(body, "role", 20) ?? "developer") switch
            {
                "viewer" => Contracts.Scopes.All.Where(s => OrgRole.Viewer.Allows(s)).ToList(),
                "developer" => Contracts.Scopes.All.Where(s => OrgRole.Developer.Allows(s)).ToList(),
                "admin" => Contracts.Scopes.All,
                var other => throw new RequestValidationException("role", $"role must be viewer, developer or admin, not '{other}'"),
            },
            ExpiresInDays = JsonFields.Int(body, "expiresInDays", 1, 3650),
            Format = KeyFormat.Harborguard,
        },
        (plaintext, k) => TypedResults.Json(KeyView(k, plaintext), Json, statusCode: StatusCodes.Status201Created),
        keys => TypedResults.Json(new { data = keys.Select(k => KeyView(k, null)) }, Json),
        error => CompatSurface.From(error, f => f == "expires_in_days" ? "expiresInDays" : f));

    private static Dictionary<string, object?> KeyView(ApiKeyRecord k, string? plaintext)
    {
        var role = k.Scopes.Count == Contracts.Scopes.All.Count ? "admin" : k.Scopes.Contains(Contracts.Scopes.ScansTrigger) ? "developer" : "viewer";
        var view = new Dictionary<string, object?>
        {
            ["id"] = k.KeyId, ["name"] = k.Name, ["role"] = role, ["prefix"] = k.Prefix, ["createdAt"] = k.CreatedAt, ["expiresAt"] = k.ExpiresAt,
            ["revokedAt"] = k.RevokedAt,
        };
        if (plaintext is not null) view["key"] = plaintext;
        return view;
    }

    /// <summary>
    /// The grade the platform gates on: it "encodes" severity, so it is the worse of what the findings' severities say
    /// and the image's configuration (the verdict's compliance grade): D with any critical finding, C with more than
    /// <see cref="HighsForC"/> high ones, B with any high one, A otherwise. A scan that ran no image-policy scanner
    /// is still graded by its vulnerabilities. Null until the scan is over; a failed scan has none.
    /// </summary>
    public static string? Compliance(ScanSnapshot s)
    {
        if (s.Status is not (ScanStatus.Completed or ScanStatus.Stopped) || s.Verdict is not { } verdict) return null;
        var c = s.Counts;
        var bySeverity = c.Critical > 0 ? "D" : c.High > HighsForC ? "C" : c.High > 0 ? "B" : "A";
        var byPolicy = verdict.ComplianceGrade ?? "A";
        return string.CompareOrdinal(bySeverity, byPolicy) >= 0 ? bySeverity : byPolicy;
    }

    /// <summary>More high findings than this grade C ("Allow A and B; fail C and D").</summary>
    public const int HighsForC = 5;

    /// <summary>The platform's four status words.</summary>
    public static readonly CompatStatusWords Words = new("PENDING", "IN_PROGRESS", "COMPLETED", "FAILED");

    private static async Task<IResult> Start(HttpContext http, ScanCatalog catalog, ScanCommands commands, TargetPolicy targets)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request);
        if (error is not null) return CompatSurface.Rewrap(error);
        ScanRequest request;
        bool failOnGiven;
        try
        {
            if (body.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n is not ("image" or "scanners")) is { } unknown)
                throw new RequestValidationException(unknown, $"unknown field '{unknown}'; the body is {{image, scanners}}");
            // The native request this surface's body stands for, validated the native way.
            var native = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["scan_type"] = ScanType, ["target"] = Image(body), ["scanners"] = ScannerNames(body),
            });
            (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(native, catalog, http.Caller().OrgId, allowPrivateCallbacks: false,
                targets, http.RequestAborted);
        }
        catch (RequestValidationException ex)
        {
            var field = ex.Field == "target" ? "image" : ex.Field;
            return CompatSurface.Error(StatusCodes.Status400BadRequest, $"Invalid {field}", ex.Message, new Dictionary<string, object?> { ["field"] = field });
        }
        var result = await commands.StartAsync(http.Actor(), request, failOnGiven);
        if (!result.Ok) return CompatSurface.From(result.Error!);
        var id = result.Value!.Scan.Id;
        http.Response.Headers.Location = $"{BasePath}/api/scans/{id}";
        // The page that shows the scan: the web console's.
        return TypedResults.Json(new { scanId = id, status = "PENDING", message = "Scan queued for execution", url = $"/scans/{id}" }, Json,
            statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Get(string scanId, HttpContext http, IGrainFactory grains)
    {
        if (await http.VisibleScanAsync(scanId) is not { } s)
            return CompatSurface.Error(StatusCodes.Status404NotFound, "Scan not found", $"no scan with id '{scanId}'");
        return TypedResults.Json(new
        {
            data = new
            {
                id = s.Id,
                image = s.Request.ScanType == ScanType ? s.Request.Target : null,
                status = Words.Of(s.Status),
                compliance = Compliance(s),
                counts = new { critical = s.Counts.Critical, high = s.Counts.High, medium = s.Counts.Medium, low = s.Counts.Low },
                scanners = s.Request.Scanners,
                createdAt = s.CreatedAt, startedAt = s.StartedAt, finishedAt = s.FinishedAt,
            },
        }, Json);
    }

    /// <summary>The image reference, checked here so that a mistake is worded for this surface.</summary>
    private static string Image(JsonElement body)
    {
        var image = JsonFields.RequiredString(body, "image");
        if (!Targets.TryNormalize(TargetKind.ContainerImage, image, out var normalized, out var why))
            throw new RequestValidationException("image", why.Replace("target must be", "image must be", StringComparison.Ordinal));
        return normalized;
    }

    /// <summary>A non-empty list of the platform's scanner names, nothing else.</summary>
    private static IReadOnlyList<string> ScannerNames(JsonElement body)
    {
        if (!body.TryGetProperty("scanners", out var list) || list.ValueKind == JsonValueKind.Null)
            throw new RequestValidationException("scanners", $"scanners is required: a non-empty array of {string.Join(", ", Scanners)}");
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0 || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new RequestValidationException("scanners", $"scanners must be a non-empty array of {string.Join(", ", Scanners)}");
        var names = list.EnumerateArray().Select(e => e.GetString()!).Distinct(StringComparer.Ordinal).ToList();
        if (names.FirstOrDefault(n => !Scanners.Contains(n)) is { } unknown)
            throw new RequestValidationException("scanners", $"unknown scanner '{unknown}'; scanners: {string.Join(", ", Scanners)}");
        return names;
    }
}

/// <summary>
/// The platform's limit on starting scans: <see cref="PerMinute"/> POSTs in any minute per API key
/// (<see cref="SlidingLogRateLimiter"/>, so Retry-After says when the oldest of them leaves the minute), counted on
/// this API node, whatever the request's outcome once the key is known to be allowed to start scans. The key's own
/// per-minute limit still applies to every call.
/// </summary>
public sealed class HarborguardPostLimit : IRateLimiterPolicy<string>
{
    public const string PolicyName = "compat-harborguard-post";
    public const int PerMinute = 10;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
        // Authorization runs first, so the caller is known; a request without one is not this limit's business.
        httpContext.User.FindFirst("key_id")?.Value is { } keyId
            ? RateLimitPartition.Get(keyId, _ => new SlidingLogRateLimiter(PerMinute, TimeSpan.FromMinutes(1)))
            : RateLimitPartition.GetNoLimiter("");

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
    {
        ScanGateTelemetry.RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("limit", PolicyName));
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 60;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await CompatSurface.WriteAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Rate limit exceeded",
            $"at most {PerMinute} scans may be started a minute with one API key; retry after {seconds} s");
    };
}
