using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Api.Auth;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;
using ScanGate.Scanners.Uploads;

namespace ScanGate.Api.Compat;

/// <summary>
/// <c>/compat/aikido</c>: feature-branch scans of a repository, judged on the issues the head commit adds to the base
/// commit. The key comes in X-AIK-API-SECRET (nowhere else); a missing or unusable key is a 401, a key without
/// the scope a 403. Scan ids are whole numbers per organisation (<see cref="IScanNumbersGrain"/>). A scan is the
/// native <c>code_security</c> scan of the project's repository with <c>new_only</c> against the base commit.
/// </summary>
public static class AikidoEndpoints
{
    public const string BasePath = "/compat/aikido";
    public const string ApiPath = BasePath + "/api/integrations/continuous_integration/scan";
    public static readonly CompatSurface Surface = new("aikido", ["X-AIK-API-SECRET"], AcceptsBearer: false, MissingScopeStatus: StatusCodes.Status403Forbidden);

    private const string NativeType = "code_security";
    /// <summary>The scanner a team runs itself and uploads as SARIF (type <c>checkov</c> of the custom upload).</summary>
    private const string Checkov = "checkov";
    private const string JsonSbom = "json-sbom";
    /// <summary>The upload formats the two self-managed payloads are read as.</summary>
    private const string CheckovFormat = "sarif";
    private const string SbomFormat = "syft";
    private static readonly string[] Severities = ["LOW", "MEDIUM", "HIGH", "CRITICAL"];

    /// <summary>Native field names in this platform's words, for the <c>field</c> of a 400.</summary>
    private static readonly Dictionary<string, string> FieldNames = new()
    {
        ["target"] = "repository_id", ["project"] = "repository_id", ["branch"] = "branch_name", ["commit"] = "head_commit_id",
        ["base_commit"] = "base_commit_id", ["fail_on_severity"] = "minimum_severity", ["expected_uploads"] = "expected_amount_json_sboms",
        ["fail_on_dependency"] = "fail_on_dependency_scan", ["fail_on_sast"] = "fail_on_sast_scan", ["fail_on_iac"] = "fail_on_iac_scan",
        ["fail_on_secrets"] = "fail_on_secrets_scan", ["pipeline_context"] = "pull_request_metadata", ["scanners"] = "self_managed_scanners",
    };

    public static IEndpointRouteBuilder MapAikidoEndpoints(this IEndpointRouteBuilder app)
    {
        var scan = app.MapGroup(ApiPath).AsCompatSurface(Surface);
        scan.MapPost("/repository", Start).RequireScope(Scopes.ScansTrigger);
        scan.MapGet("/repository", Status).RequireScope(Scopes.ScansRead);
        scan.MapPost("/custom", Custom).RequireScope(Scopes.ScansTrigger).WithMetadata(new AcceptsUpload(_ => true));
        Keys.Map(app.MapGroup(BasePath + "/api").AsCompatSurface(Surface), "/keys");
        return app;
    }

    /// <summary>CI tokens ("AIK_CI_…") that start and read scans and upload reports: the native ci-basic preset.</summary>
    private static readonly CompatKeys Keys = new(
        ["name", "expires_in_days"],
        (body, _) => new NewKey
        {
            Name = JsonFields.RequiredString(body, "name", 200), Preset = "ci-basic",
            ExpiresInDays = JsonFields.Int(body, "expires_in_days", 1, 3650), Format = KeyFormat.Aikido,
        },
        (plaintext, k) => TypedResults.Json(KeyView(k, plaintext), statusCode: StatusCodes.Status201Created),
        keys => TypedResults.Ok(keys.Select(k => KeyView(k, null))),
        error => CompatSurface.From(error));

    private static Dictionary<string, object?> KeyView(ApiKeyRecord k, string? plaintext)
    {
        var view = new Dictionary<string, object?>
        {
            ["id"] = k.KeyId, ["name"] = k.Name, ["prefix"] = k.Prefix, ["created_at"] = k.CreatedAt, ["expires_at"] = k.ExpiresAt, ["revoked_at"] = k.RevokedAt,
        };
        if (plaintext is not null) view["token"] = plaintext;
        return view;
    }

    private static IResult BadRequest(string field, string detail) =>
        CompatSurface.Error(StatusCodes.Status400BadRequest, $"Invalid {field}", detail, new Dictionary<string, object?> { ["field"] = field });

    private static string Field(string native) => FieldNames.GetValueOrDefault(native, native);

    /// <summary>repository_id as the platform sends it: a string or a number.</summary>
    private static string? RepositoryId(JsonElement body) =>
        body.TryGetProperty("repository_id", out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.String => v.GetString()!.Trim(),
            JsonValueKind.Null => null,
            _ => throw new RequestValidationException("repository_id", "repository_id must be a string or a number"),
        } : null;

    /// <summary>The project repository_id names in the caller's organisation (its key, or one of its repository_ids: the
    /// Git host's id such as "R_kgDO…" or a number), when it has a repository to scan.</summary>
    private static async Task<(string? Key, Project? Project, IResult? Error)> RepositoryAsync(HttpContext http, string? id)
    {
        if (id is null) return (null, null, BadRequest("repository_id", "repository_id is required"));
        var projects = http.RequestServices.GetRequiredService<ProjectService>();
        if (await projects.FindByRepositoryIdAsync(http.Actor(), id) is not { } project)
            return (null, null, CompatSurface.Error(StatusCodes.Status404NotFound, "Repository not found",
                $"no repository '{id}': name a ScanGate project of this organisation by its key, or add '{id}' to its repository_ids (PATCH /api/v1/projects/{{key}})"));
        if (project.RepositoryUrl is null)
            return (null, null, CompatSurface.Error(StatusCodes.Status404NotFound, "Repository not found", $"project '{project.Key}' has no repository_url to scan"));
        return (project.Key, project, null);
    }

    private static async Task<IResult> Start(HttpContext http, ScanCatalog catalog, IGrainFactory grains, TargetPolicy targets, ScanCommands commands)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request);
        if (error is not null) return CompatSurface.Rewrap(error);
        try
        {
            var repositoryId = RepositoryId(body);
            foreach (var required in new[] { "base_commit_id", "head_commit_id", "branch_name" })
                JsonFields.RequiredString(body, required, 200);
            var severity = (JsonFields.String(body, "minimum_severity", 20) ?? "CRITICAL").ToUpperInvariant();
            if (!Severities.Contains(severity))
                throw new RequestValidationException("minimum_severity", $"minimum_severity must be one of {string.Join(", ", Severities)}");

            var selfManaged = new List<string>();
            if (body.TryGetProperty("self_managed_scanners", out var sm) && sm.ValueKind != JsonValueKind.Null)
            {
                var known = catalog.DefaultScannersFor(NativeType).Select(s => s.Name).Append(JsonSbom).ToList();
                if (sm.ValueKind != JsonValueKind.Array || sm.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                    throw new RequestValidationException("self_managed_scanners", "self_managed_scanners must be an array of scanner names");
                selfManaged = sm.EnumerateArray().Select(e => e.GetString()!.Trim().ToLowerInvariant()).Distinct().ToList();
                if (selfManaged.FirstOrDefault(s => !known.Contains(s)) is { } unknown)
                    throw new RequestValidationException("self_managed_scanners", $"unknown scanner '{unknown}'; scanners: {string.Join(", ", known)}");
            }
            var sboms = JsonFields.Int(body, "expected_amount_json_sboms", 0, ScanRequestParser.MaxExpectedUploads) ?? 0;
            JsonNode? prMetadata = null;
            if (body.TryGetProperty("pull_request_metadata", out var pr) && pr.ValueKind != JsonValueKind.Null)
            {
                if (pr.ValueKind != JsonValueKind.Object) throw new RequestValidationException("pull_request_metadata", "pull_request_metadata must be a JSON object");
                prMetadata = JsonNode.Parse(pr.GetRawText());
            }

            var (key, project, notFound) = await RepositoryAsync(http, repositoryId);
            if (notFound is not null) return notFound;

            var native = new JsonObject
            {
                ["scan_type"] = NativeType, ["target"] = project!.RepositoryUrl, ["project"] = key,
                ["branch"] = body.GetProperty("branch_name").GetString()!.Trim(),
                ["commit"] = body.GetProperty("head_commit_id").GetString()!.Trim(),
                ["new_only"] = true, ["base_commit"] = body.GetProperty("base_commit_id").GetString()!.Trim(),
                ["fail_on_severity"] = severity.ToLowerInvariant(),
                ["fail_on_dependency"] = JsonFields.Bool(body, "fail_on_dependency_scan") ?? true,
                ["fail_on_sast"] = JsonFields.Bool(body, "fail_on_sast_scan") ?? false,
                ["fail_on_iac"] = JsonFields.Bool(body, "fail_on_iac_scan") ?? false,
                ["fail_on_secrets"] = JsonFields.Bool(body, "fail_on_secrets_scan") ?? false,
                ["expected_uploads"] = sboms + (selfManaged.Contains(Checkov) ? 1 : 0),
                ["scanners"] = new JsonArray(catalog.DefaultScannersFor(NativeType).Select(s => s.Name).Where(s => !selfManaged.Contains(s))
                    .Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                ["pipeline_context"] = new JsonObject
                {
                    ["aikido"] = new JsonObject
                    {
                        ["repository_id"] = repositoryId, ["minimum_severity"] = severity, ["expected_amount_json_sboms"] = sboms,
                        ["self_managed_scanners"] = new JsonArray(selfManaged.Select(s => (JsonNode)JsonValue.Create(s)).ToArray()),
                        ["pull_request_metadata"] = prMetadata,
                    },
                },
            };
            var (request, _) = await ScanRequestParser.ParseAllowedAsync(JsonSerializer.SerializeToElement(native), catalog, http.Caller().OrgId,
                allowPrivateCallbacks: false, targets, http.RequestAborted);
            // The base commit is scanned first when the project never was at it, so that only what the head adds is new.
            var result = await commands.StartAgainstBaseAsync(http.Actor(), request, failOnGiven: true);
            if (!result.Ok) return CompatSurface.From(result.Error!, Field);
            var number = await Numbers(grains, http).Assign(result.Value!.Scan.Id);
            return TypedResults.Ok(new { scan_id = number });
        }
        catch (RequestValidationException ex)
        {
            return BadRequest(Field(ex.Field), ex.Message);
        }
    }

    private static IScanNumbersGrain Numbers(IGrainFactory grains, HttpContext http) =>
        grains.GetGrain<IScanNumbersGrain>(IScanNumbersGrain.KeyOf(Surface.Name, http.Caller().OrgId));

    /// <summary>The scan an integer id names in the caller's organisation, or the 400/404 to answer.</summary>
    private static async Task<(ScanSnapshot? Scan, long Number, IResult? Error)> ScanAsync(HttpContext http, IGrainFactory grains, string? scanId)
    {
        if (string.IsNullOrWhiteSpace(scanId)) return (null, 0, BadRequest("scan_id", "scan_id is required"));
        if (!long.TryParse(scanId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) || number < 1)
            return (null, 0, BadRequest("scan_id", "scan_id must be a whole number, as the scan was answered with"));
        if (await Numbers(grains, http).Find(number) is not { } id || await http.VisibleScanAsync(id) is not { } scan)
            return (null, number, CompatSurface.Error(StatusCodes.Status404NotFound, "Scan not found", $"no scan {number}"));
        return (scan, number, null);
    }

    /// <summary>
    /// The documented answer, field for field: the per-category completion flags (sbom_scan_completed only when json-sbom
    /// is self-managed), and once every part is over the new-issue counts per category, the diff link and the verdict.
    /// Every scan started here is a feature-branch scan, so the default-branch answer (open_issues_found,
    /// issue_links) is not given (docs/compat.md).
    /// </summary>
    private static async Task<IResult> Status(HttpContext http, IGrainFactory grains, ScanCatalog catalog, string? scan_id)
    {
        var (s, number, error) = await ScanAsync(http, grains, scan_id);
        if (error is not null) return error;
        var scan = s!;
        var selfManaged = SelfManaged(scan);
        var terminal = scan.Status.IsTerminal();
        bool Done(string category) => terminal || scan.Scanners.Where(r => CategoryOf(catalog, r.Name) == category).All(r => r.Status.IsTerminal());
        var uploads = scan.UploadRecords;
        var answer = new Dictionary<string, object?>
        {
            ["all_scans_completed"] = terminal,
            ["dependency_scan_completed"] = Done(FindingCategories.Vulnerability),
            ["sast_scan_completed"] = Done(FindingCategories.Sast),
            ["iac_scan_completed"] = Done(FindingCategories.Iac) && (terminal || !selfManaged.Checkov || uploads.Any(u => u.Format == CheckovFormat)),
            ["secrets_scan_completed"] = Done(FindingCategories.Secret),
        };
        if (selfManaged.Sboms > 0)
            answer["sbom_scan_completed"] = terminal || uploads.Count(u => u.Format == SbomFormat) >= selfManaged.Sboms;
        if (!terminal) return TypedResults.Ok(answer);

        var origin = $"{http.Request.Scheme}://{http.Request.Host}";
        var counts = await NewIssuesAsync(grains, scan);
        answer["new_issues_found"] = counts.Values.Sum();
        answer["new_dependency_issues_found"] = counts[FindingCategories.Vulnerability];
        answer["new_sast_issues_found"] = counts[FindingCategories.Sast];
        answer["new_iac_issues_found"] = counts[FindingCategories.Iac];
        answer["new_leaked_secret_issues_found"] = counts[FindingCategories.Secret];
        answer["diff_url"] = $"{origin}/scans/{scan.Id}";
        answer["gate_passed"] = scan.GatePassed;
        return TypedResults.Ok(answer);
    }

    /// <summary>The finding category a scanner of the scan reports in: by the single-purpose scan type that runs it.</summary>
    private static string? CategoryOf(ScanCatalog catalog, string scanner)
    {
        foreach (var (type, category) in new[] { ("sast", FindingCategories.Sast), ("secret_scan", FindingCategories.Secret), ("iac_scan", FindingCategories.Iac), ("sbom", FindingCategories.Vulnerability) })
            if (catalog.ScannersFor(type).Any(s => s.Name == scanner)) return category;
        return null;
    }

    private static (bool Checkov, int Sboms) SelfManaged(ScanSnapshot scan)
    {
        if (scan.Request.PipelineContextJson is not { } json) return (false, 0);
        using var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("aikido", out var a) || a.ValueKind != JsonValueKind.Object) return (false, 0);
        var checkov = a.TryGetProperty("self_managed_scanners", out var sm) && sm.ValueKind == JsonValueKind.Array
            && sm.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.String && e.GetString() == Checkov);
        var sboms = a.TryGetProperty("expected_amount_json_sboms", out var n) && n.TryGetInt32(out var i) ? i : 0;
        return (checkov, sboms);
    }

    /// <summary>The scan's standing findings (not triaged away) per category that the baseline scan of the base commit
    /// does not have; with no baseline every one is new. Counted for every category, whatever its fail_on switch.</summary>
    private static async Task<Dictionary<string, int>> NewIssuesAsync(IGrainFactory grains, ScanSnapshot scan)
    {
        var counts = new Dictionary<string, int>
        {
            [FindingCategories.Vulnerability] = 0, [FindingCategories.Sast] = 0, [FindingCategories.Iac] = 0, [FindingCategories.Secret] = 0,
        };
        if (scan.Status == ScanStatus.Cancelled) return counts;
        var known = new HashSet<string>(StringComparer.Ordinal);
        if (scan.Verdict?.BaselineScanId is { } baseline)
            await foreach (var f in FindingsAsync(grains, baseline)) known.Add(f.Fingerprint);
        await foreach (var f in FindingsAsync(grains, scan.Id))
            if (counts.ContainsKey(f.Category) && f.Status is not (FindingStatus.FalsePositive or FindingStatus.AcceptedRisk) && !f.AuditOnly
                && !known.Contains(f.Fingerprint))
                counts[f.Category]++;
        return counts;
    }

    private static async IAsyncEnumerable<Finding> FindingsAsync(IGrainFactory grains, string scanId)
    {
        var scan = grains.GetGrain<IScanGrain>(scanId);
        string? cursor = null;
        do
        {
            var page = await scan.Findings(new FindingQuery { Limit = 500, Cursor = cursor });
            foreach (var f in page.Items) yield return f;
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    /// <summary>
    /// A report of a scanner the team runs itself: <c>{"payload_type": "checkov"|"json-sbom", "scan_id": N,
    /// "repository_id": …, "container_image_name": …, "payload": {…}}</c>, the payload being checkov's SARIF 2.1.0 or
    /// Syft's JSON SBOM (syft -o json; its CycloneDX JSON is read too); container_image_name is required with json-sbom. With scan_id it goes into
    /// that scan; without, into the newest scan of the repository that still takes uploads, and when there is none
    /// into the repository's live feed: a new scan of that report alone, which completes once it is in.
    /// </summary>
    private static async Task<IResult> Custom(HttpContext http, IGrainFactory grains, ScanCommands commands)
    {
        var (body, error) = await RequestBody.ReadObjectAsync(http.Request, "payload_type", "scan_id", "repository_id", "container_image_name", "payload");
        if (error is not null) return CompatSurface.Rewrap(error);
        try
        {
            var type = JsonFields.RequiredString(body, "payload_type", 20).ToLowerInvariant();
            var (format, tool) = type switch
            {
                Checkov => (CheckovFormat, Checkov),
                JsonSbom => (SbomFormat, "syft"),
                _ => throw new RequestValidationException("payload_type", $"payload_type must be {Checkov} (SARIF) or {JsonSbom} (Syft JSON)"),
            };
            var image = JsonFields.String(body, "container_image_name", 300);
            if (type == JsonSbom && image is null)
                throw new RequestValidationException("container_image_name", "container_image_name is required for json-sbom: a unique name for the image, without its tag");
            if (image is not null && image.Contains(':', StringComparison.Ordinal) && !image.Contains('/', StringComparison.Ordinal))
                throw new RequestValidationException("container_image_name", "container_image_name must not include the image tag, only a unique name for the image");
            if (!body.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
                throw new RequestValidationException("payload", "payload is required: the report as a JSON object");

            ScanSnapshot scan;
            long number;
            if (body.TryGetProperty("scan_id", out var sid) && sid.ValueKind != JsonValueKind.Null)
            {
                var (found, n, notFound) = await ScanAsync(http, grains, sid.ValueKind == JsonValueKind.Number ? sid.GetRawText() : sid.ToString());
                if (notFound is not null) return notFound;
                (scan, number) = (found!, n);
            }
            else
            {
                var (key, project, missing) = await RepositoryAsync(http, RepositoryId(body));
                if (missing is not null) return missing;
                var open = await OpenScanAsync(http, grains, key!);
                if (open is null)
                {
                    // The repository's live feed: a scan of this one uploaded report, which completes when it is in.
                    var feed = new ScanRequest
                    {
                        ScanType = "code_security", Target = project!.RepositoryUrl!, Profile = "standard", Scanners = [], ExpectedUploads = 1,
                        OrgId = http.Caller().OrgId, ProjectKey = key, Branch = project.DefaultBranch,
                        PipelineContextJson = JsonSerializer.Serialize(new { aikido = new { feed = type } }),
                    };
                    var started = await commands.StartAsync(http.Actor(), feed, failOnGiven: false);
                    if (!started.Ok) return CompatSurface.From(started.Error!);
                    open = started.Value!.Scan;
                }
                scan = open;
                number = await Numbers(grains, http).Assign(open.Id);
            }
            if (scan.Status.IsTerminal())
                return CompatSurface.Error(StatusCodes.Status409Conflict, "Scan completed", $"scan {number} is {scan.Status.Word()}: it takes no more uploads");

            await using var report = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(payload));
            var (view, refused) = await UploadEndpoints.IngestAsync(grains, scan.Id, UploadFormats.Find(format)!, tool, null, report, http.RequestAborted);
            if (refused is not null) return CompatSurface.Rewrap(refused, f => f == "body" ? "payload" : f);
            return TypedResults.Ok(new { success = 1 });
        }
        catch (RequestValidationException ex)
        {
            return BadRequest(ex.Field, ex.Message);
        }
    }

    /// <summary>The newest scan of the project that still takes uploads.</summary>
    private static async Task<ScanSnapshot?> OpenScanAsync(HttpContext http, IGrainFactory grains, string projectKey)
    {
        var page = await grains.GetGrain<IScanDirectoryGrain>(0).List(new ScanListQuery { OrgId = http.Caller().OrgId, ProjectKey = projectKey, Limit = 20 });
        foreach (var summary in page.Items)
            if (await http.VisibleScanAsync(summary.Id) is { } s && !s.Status.IsTerminal())
                return s;
        return null;
    }
}
