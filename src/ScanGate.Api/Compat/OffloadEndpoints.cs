using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api.Compat;

/// <summary>
/// <c>/compat/offload</c>: the "CI/CD Integration" API. Its answers are wrapped in <c>data</c>, its status words
/// are pending, running, completed and failed, it takes the key in X-API-Key, and a key it cannot use for the
/// call (missing, invalid, expired, revoked, or without the scope) is a 401.
/// </summary>
public static class OffloadEndpoints
{
    public const string BasePath = "/compat/offload";
    public static readonly CompatSurface Surface = new("offload", ["X-API-Key"], AcceptsBearer: false, MissingScopeStatus: StatusCodes.Status401Unauthorized);

    private static readonly string[] TriggerFields =
        ["scan_type", "target", "scan_profile", "fail_on_severity", "branch", "pipeline_context", "callback_url"];

    public static IEndpointRouteBuilder MapOffloadEndpoints(this IEndpointRouteBuilder app)
    {
        Validate(app.ServiceProvider.GetRequiredService<ScanCatalog>());
        var cicd = app.MapGroup(BasePath + "/api/cicd").AsCompatSurface(Surface);
        cicd.MapPost("/scans/trigger", Trigger).RequireScope(Scopes.ScansTrigger);
        cicd.MapGet("/scans/{id}/status", Status).RequireScope(Scopes.ScansRead);
        cicd.MapGet("/scans/{id}/results", Results).RequireScope(Scopes.ScansRead);
        cicd.MapGet("/scan-types", (ScanCatalog catalog) => TypedResults.Ok(new { data = ScanTypes.Select(t => new
        {
            scan_type = t.Name, description = t.Scans, default_profile = catalog.FindType(t.Name)!.DefaultProfile,
            profiles = t.Profiles.Select(p => new { name = p, description = catalog.FindType(t.Name)!.Profiles.First(n => n.Name == p).Description }),
        }) })).RequireScope(Scopes.ScansRead);
        Keys.Map(app.MapGroup(BasePath + "/api").AsCompatSurface(Surface), "/keys");
        return app;
    }

    /// <summary>The scan types and profiles the platform lists ("Common scan_type values and their profiles"), in its
    /// order; the surface runs these and no others. Checked against the catalogue at start-up.</summary>
    public static readonly IReadOnlyList<(string Name, string Scans, string[] Profiles)> ScanTypes =
    [
        ("nuclei", "Fast template-based vulnerability scan", ["quick", "standard", "comprehensive", "cve", "misconfig"]),
        ("web_vulnerability", "Web application (OWASP ZAP)", ["quick", "standard", "comprehensive"]),
        ("network_discovery", "Network discovery / port scan (Nmap)", ["ping_sweep", "port_scan", "service_detection", "comprehensive", "vulnerability_scan"]),
        ("ssl_security", "SSL/TLS configuration (testssl.sh)", ["quick", "standard", "comprehensive", "vulnerability"]),
        ("security_headers", "HTTP security headers", ["standard"]),
        ("api_security", "API security testing", ["standard"]),
        ("container_image", "Container image vulnerabilities", ["standard"]),
        ("kubernetes_manifest", "Kubernetes manifest checks", ["standard"]),
        ("lightweight_comprehensive", "Combined lightweight scans with scoring", ["standard"]),
        ("code_security", "SAST + dependencies + secrets + IaC + SBOM", ["standard"]),
        ("sast", "Individual code-security scans", ["standard"]),
        ("dependency_scan", "Individual code-security scans", ["standard"]),
        ("secret_scan", "Individual code-security scans", ["standard"]),
        ("iac_scan", "Individual code-security scans", ["standard"]),
        ("sbom", "Individual code-security scans", ["standard"]),
    ];

    /// <summary>Fails at start-up when the catalogue lacks a documented scan type or profile.</summary>
    public static void Validate(ScanCatalog catalog)
    {
        foreach (var (name, _, profiles) in ScanTypes)
        {
            var type = catalog.FindType(name) ?? throw new InvalidOperationException($"offload documents scan_type {name}, which the catalogue lacks");
            if (profiles.FirstOrDefault(p => type.Profiles.All(n => n.Name != p)) is { } missing)
                throw new InvalidOperationException($"offload documents profile {missing} of {name}, which the catalogue lacks");
        }
    }

    /// <summary>Keys in the platform's format ("osk_…"), with its two presets and its expiry rule (default 90 days, at most 365).</summary>
    private static readonly CompatKeys Keys = new(
        ["name", "preset", "expires_in_days", "environment", "rate_limit_per_minute"],
        (body, _) => new NewKey
        {
            Name = JsonFields.RequiredString(body, "name", 200),
            Preset = (JsonFields.String(body, "preset", 60) ?? "ci-basic") switch
            {
                "ci-basic" or "cicd_basic" or "CI/CD Pipeline (Basic)" => "ci-basic",
                "ci-full" or "cicd_full" or "CI/CD Pipeline (Full)" => "ci-full",
                var other => throw new RequestValidationException("preset", $"unknown preset '{other}'; presets: cicd_basic (CI/CD Pipeline (Basic)), cicd_full (CI/CD Pipeline (Full))"),
            },
            ExpiresInDays = JsonFields.Int(body, "expires_in_days", 1, 365) ?? 90,
            Environment = JsonFields.String(body, "environment", 64),
            RateLimitPerMinute = JsonFields.Int(body, "rate_limit_per_minute", 1, 1_000_000),
            Format = KeyFormat.Offload,
        },
        (plaintext, k) => TypedResults.Json(new { data = KeyView(k, plaintext) }, statusCode: StatusCodes.Status201Created),
        keys => TypedResults.Ok(new { data = keys.Select(k => KeyView(k, null)) }),
        error => CompatSurface.From(error));

    private static Dictionary<string, object?> KeyView(ApiKeyRecord k, string? plaintext)
    {
        var view = new Dictionary<string, object?>
        {
            ["id"] = k.KeyId, ["name"] = k.Name, ["prefix"] = k.Prefix, ["scopes"] = k.Scopes, ["environment"] = k.Environment,
            ["rate_limit_per_minute"] = k.RateLimitPerMinute, ["created_at"] = k.CreatedAt, ["expires_at"] = k.ExpiresAt, ["revoked_at"] = k.RevokedAt,
        };
        if (plaintext is not null) view["key"] = plaintext;
        return view;
    }

    /// <summary>The platform's four status words.</summary>
    public static readonly CompatStatusWords Words = new("pending", "running", "completed", "failed");

    private static async Task<IResult> Trigger(HttpContext http, ScanCatalog catalog, ScanCommands commands, TargetPolicy targets)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, TriggerFields);
        if (error is not null) return CompatSurface.Rewrap(error);
        if (!Documented(body, "scan_type", out var listed))
            return CompatSurface.Error(StatusCodes.Status400BadRequest, "Unknown scan_type",
                $"scan_type must be one of {string.Join(", ", ScanTypes.Select(t => t.Name))} (GET /api/cicd/scan-types)", new Dictionary<string, object?> { ["field"] = "scan_type" });
        if (body.TryGetProperty("scan_profile", out var p) && p.ValueKind == JsonValueKind.String && !listed!.Value.Profiles.Contains(p.GetString()))
            return CompatSurface.Error(StatusCodes.Status400BadRequest, "Invalid scan_profile",
                $"scan_profile of {listed.Value.Name} must be one of {string.Join(", ", listed.Value.Profiles)}", new Dictionary<string, object?> { ["field"] = "scan_profile" });
        ScanRequest request;
        bool failOnGiven;
        try
        {
            // Callbacks of this surface are https to a public address, whatever the deployment allows natively.
            (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(body, catalog, http.Caller().OrgId, allowPrivateCallbacks: false,
                targets, http.RequestAborted);
        }
        catch (RequestValidationException ex) when (ex.Field == "scan_type")
        {
            return CompatSurface.Error(StatusCodes.Status400BadRequest, "Unknown scan_type", ex.Message, new Dictionary<string, object?> { ["field"] = ex.Field });
        }
        catch (RequestValidationException ex)
        {
            return CompatSurface.Error(StatusCodes.Status400BadRequest, $"Invalid {ex.Field}", ex.Message, new Dictionary<string, object?> { ["field"] = ex.Field });
        }
        var result = await commands.StartAsync(http.Actor(), request, failOnGiven);
        if (!result.Ok) return CompatSurface.From(result.Error!);
        var id = result.Value!.Scan.Id;
        return TypedResults.Json(new
        {
            data = new
            {
                scan_id = id, status = "pending", scan_type = request.ScanType, scan_profile = request.Profile, target = request.Target,
                status_url = $"{BasePath}/api/cicd/scans/{id}/status", results_url = $"{BasePath}/api/cicd/scans/{id}/results",
            },
        }, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Whether the body's scan_type is one the platform lists.</summary>
    private static bool Documented(JsonElement body, string field, out (string Name, string Scans, string[] Profiles)? type)
    {
        type = null;
        if (!body.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.String) return false;
        var name = v.GetString();
        foreach (var t in ScanTypes) if (t.Name == name) { type = t; return true; }
        return false;
    }

    private static async Task<IResult> Status(string id, HttpContext http)
    {
        if (await http.VisibleScanAsync(id) is not { } s) return NotFound(id);
        return TypedResults.Ok(new
        {
            data = new
            {
                scan_id = s.Id, status = Words.Of(s.Status), scan_type = s.Request.ScanType, scan_profile = s.Request.Profile, target = s.Request.Target,
                created_at = s.CreatedAt, started_at = s.StartedAt, completed_at = s.FinishedAt,
                progress = s.Scanners.Count == 0 ? 0 : (int)s.Scanners.Average(r => r.Status.IsTerminal() ? 100 : r.Percent ?? 0),
            },
        });
    }

    /// <summary>At most this many findings are carried in <c>result.findings</c>; the rest are read natively with
    /// <c>result.findings_next</c>.</summary>
    public const int ResultFindings = 1000;

    private static async Task<IResult> Results(string id, HttpContext http, ScanQueries queries)
    {
        if (await http.VisibleScanAsync(id) is not { } s) return NotFound(id);
        var done = s.Status.IsTerminal();
        object? result = null;
        if (done)
        {
            // The full result object: the native scan (verdict, scanners, counts, links) and its findings.
            var findings = await queries.FindingsAsync(http.Caller(), id, new FindingQuery { Limit = ResultFindings });
            if (!findings.Ok) return CompatSurface.From(findings.Error!);
            result = new
            {
                scan = ScanView.Of(s),
                findings = findings.Value!.Items.Select(FindingView.Of),
                findings_next = findings.Value.NextCursor is { } next ? $"/api/v1/scans/{id}/findings?cursor={Uri.EscapeDataString(next)}&limit={ResultFindings}" : null,
            };
        }
        return TypedResults.Ok(new
        {
            data = new
            {
                scan_id = s.Id, status = Words.Of(s.Status), scan_type = s.Request.ScanType, target = s.Request.Target,
                findings_count = s.Counts.Total,
                findings_by_severity = new { critical = s.Counts.Critical, high = s.Counts.High, medium = s.Counts.Medium, low = s.Counts.Low, info = s.Counts.Info },
                gate_passed = s.GatePassed,
                fail_on_severity = s.Request.FailOnSeverity?.Word() ?? "none",
                pipeline_context = s.Request.PipelineContextJson is { } ctx ? JsonDocument.Parse(ctx).RootElement.Clone() : (JsonElement?)null,
                result,
                reasons = s.GateReasons,
                score = s.Verdict?.Score,
                grade = s.Verdict?.Grade,
                completed_at = s.FinishedAt,
            },
        });
    }

    private static IResult NotFound(string id) => CompatSurface.Error(StatusCodes.Status404NotFound, "Scan not found", $"no scan with id '{id}'");
}
