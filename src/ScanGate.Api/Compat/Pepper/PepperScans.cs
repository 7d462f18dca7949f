using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ScanGate.Api.Auth;
using ScanGate.Api.Sources;
using ScanGate.Contracts;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>What starting a scan needs, bound from the request's services.</summary>
public sealed class PepperScanServices(IGrainFactory grains, ScanCatalog catalog, TargetPolicy targets, SourceRepositoryServer sources, Clock clock,
    ScanCommands commands, ScanQueries queries)
{
    public ScanCommands Commands => commands;
    public ScanQueries Queries => queries;
    public IGrainFactory Grains => grains;
    public ScanCatalog Catalog => catalog;
    public TargetPolicy Targets => targets;
    public SourceRepositoryServer Sources => sources;
    public Clock Clock => clock;
}

/// <summary>Scans: start (JSON with a repository URL, or multipart with a source tarball), read, list, lifecycle
/// commands, artifacts and the findings export.</summary>
public static class PepperScans
{
    /// <summary>This platform's fields of a scan request and the native fields they become (the target field is
    /// chosen by the scan type: <see cref="PepperScanTypes.TargetField"/>).</summary>
    private static readonly Dictionary<string, string> RequestFields = new()
    {
        ["branch"] = "branch", ["commitSha"] = "commit", ["baseSha"] = "base_commit", ["projectId"] = "project",
        ["failOn"] = "fail_on_severity", ["scanProfile"] = "scan_profile", ["pipelineContext"] = "pipeline_context",
        ["callbackUrl"] = "callback_url",
    };
    private static readonly string[] TargetFields = ["repoUrl", "image", "targetUrl", "target"];
    private static readonly string[] SvnFields = ["svnUrl", "svnRevision", "svnUsername", "svnPassword"];

    /// <summary>The platform's seven artifact types: the word in its URLs, its type word, and the native artifact
    /// behind it (a raw report is the named scanner's). SIGNATURE has none: ScanGate does not sign artifacts (501).</summary>
    private static readonly (string Kind, string Type, ArtifactType? Native, string? Scanner)[] ArtifactKinds =
    [
        ("sarif", "SARIF", ArtifactType.Sarif, null),
        ("cyclonedx", "SBOM_CYCLONEDX", ArtifactType.Cyclonedx, null),
        ("spdx", "SBOM_SPDX", ArtifactType.Spdx, null),
        ("log", "SCAN_LOG", ArtifactType.Log, null),
        ("container", "CONTAINER_REPORT", ArtifactType.RawReport, "trivy"),
        ("dast", "DAST_REPORT", ArtifactType.RawReport, "zap"),
        ("signature", "SIGNATURE", null, null),
    ];
    private static readonly Dictionary<string, ArtifactType> ExportFormats = new()
    {
        ["csv"] = ArtifactType.Csv, ["html"] = ArtifactType.Html, ["sarif"] = ArtifactType.Sarif,
    };

    public static RouteGroupBuilder MapPepperScans(this RouteGroupBuilder api)
    {
        api.MapPost("/scans", CreateScan).RequireScope(Scopes.ScansTrigger)
            .WithMetadata(new AcceptsUpload(r => r.HasFormContentType));
        api.MapGet("/scans", ListScans).RequireScope(Scopes.ScansRead);
        api.MapGet("/scans/{id}", GetScan).RequireScope(Scopes.ScansRead);
        api.MapPost("/scans/{id}/rescan", (string id, HttpContext http, IGrainFactory grains, ScanCommands commands) => Command(id, "rescan", http, grains, commands))
            .RequireScope(Scopes.ScansTrigger);
        api.MapPost("/scans/{id}/{command:regex(^(pause|resume|stop|cancel)$)}", Command).RequireScope(Scopes.ScansManage);
        api.MapGet("/scans/{id}/artifacts", ListArtifacts).RequireScope(Scopes.FindingsRead);
        api.MapGet("/scans/{id}/artifacts/{kind}", DownloadArtifact).RequireScope(Scopes.FindingsRead);
        api.MapGet("/scans/{id}/findings/export", Export).RequireScope(Scopes.FindingsRead);
        return api;
    }

    private static async Task<IResult> CreateScan(HttpContext http, PepperScanServices services)
    {
        if (!http.Request.HasFormContentType)
        {
            var (body, error) = await PepperEndpoints.ReadJsonAsync(http.Request);
            if (error is not null) return error;
            return await StartAsync(http, JsonObject.Create(body)!, services);
        }

        IFormCollection form;
        try { form = await http.Request.ReadFormAsync(http.RequestAborted); }
        catch (InvalidDataException ex) { return PepperEndpoints.BadRequest("body", $"the multipart body cannot be read: {ex.Message}"); }
        if (form.Files.GetFile("source") is not { } source)
            return PepperEndpoints.BadRequest("source", "a multipart scan request carries the source tarball in the part 'source' (or send JSON with repoUrl)");
        var input = new JsonObject();
        foreach (var (name, value) in form)
            input[name] = value.ToString();
        var uploadName = UploadName(input["projectId"]?.GetValue<string>(), source.FileName);
        return await StartAsync(http, input, services, async branch =>
        {
            await using var stream = source.OpenReadStream();
            var files = await SourceArchive.ReadTarGzAsync(stream, services.Sources.Options, http.RequestAborted);
            return GitSnapshot.Build(files, branch ?? "main", $"Source uploaded to ScanGate ({source.FileName})", services.Clock.UtcNow);
        }, uploadName);
    }

    /// <summary>The name an uploaded source is served under, which also names a project made for it: the project
    /// asked for, else the archive's name.</summary>
    internal static string UploadName(string? projectId, string? fileName)
    {
        if (projectId is not null && ProjectKeys.IsValid(projectId)) return projectId;
        var stem = Path.GetFileName(fileName ?? "");
        foreach (var ext in new[] { ".tar.gz", ".tgz", ".gz", ".tar" })
            if (stem.EndsWith(ext, StringComparison.OrdinalIgnoreCase)) { stem = stem[..^ext.Length]; break; }
        var key = ProjectKeys.FromTarget(null, stem);
        return key == "default" ? "source" : key;
    }

    /// <summary>
    /// Starts a scan from this platform's request: the scan type through <see cref="PepperScanTypes"/>, the fields
    /// renamed into a native body that <see cref="ScanRequestParser"/> validates, then <see cref="ScanCommands.StartAsync"/>.
    /// With <paramref name="source"/> the target is an uploaded tree, built (for the request's branch) only once
    /// the rest of the request is known to be good, and served to the scanner over git://.
    /// </summary>
    internal static async Task<IResult> StartAsync(HttpContext http, JsonObject input, PepperScanServices services,
        Func<string?, Task<GitSnapshot>>? source = null, string uploadName = "source") =>
        (await StartScanAsync(http, input, services, source, uploadName)).Result;

    /// <summary>As <see cref="StartAsync"/>, with the id of the scan started (null when it was refused).</summary>
    internal static async Task<(string? ScanId, IResult Result)> StartScanAsync(HttpContext http, JsonObject input, PepperScanServices services,
        Func<string?, Task<GitSnapshot>>? source, string uploadName)
    {
        var (type, native, refusal) = PepperScanTypes.Resolve(input["scanType"] is JsonValue w && w.TryGetValue<string>(out var word) ? word : null,
            services.Catalog);
        if (type is null || native is null) return (null, refusal!);
        var targetField = PepperScanTypes.TargetField(native.TargetKind);
        if (source is not null && native.TargetKind != TargetKind.GitRepository)
            return (null, PepperEndpoints.BadRequest("scanType", $"an uploaded source is scanned as a repository; scanType {type.Word} scans a {targetField}"));

        if (SvnFields.FirstOrDefault(input.ContainsKey) is { } svn)
            return (null, PepperEndpoints.NotImplemented("Subversion sources are not supported",
                $"{svn}: ScanGate scans Git repositories (repoUrl) and uploaded source tarballs (source); export the Subversion revision to a tarball and upload it"));
        var body = new JsonObject { ["scan_type"] = native.Name };
        try
        {
            foreach (var (name, value) in input)
            {
                if (name == "scanType") continue;
                if (TargetFields.Contains(name))
                {
                    if (name != targetField)
                        throw new RequestValidationException(name, $"scanType {type.Word} scans a {targetField}; {name} does not apply to it");
                    if (source is not null)
                        throw new RequestValidationException(name, "send either the source tarball or a repository URL, not both");
                    body["target"] = value?.DeepClone();
                }
                else if (RequestFields.TryGetValue(name, out var nativeName))
                    body[nativeName] = name == "failOn" ? PepperEndpoints.LowerWord(value?.DeepClone()) : value?.DeepClone();
                else
                    throw new RequestValidationException(name, $"unknown field '{name}'; fields: scanType, {targetField}, {string.Join(", ", RequestFields.Keys)}");
            }
            if (type.Incremental) body["new_only"] = true;
            if (source is not null) body["target"] = "git://127.0.0.1/" + uploadName + ".git"; // validated now, replaced by the served source below
            else if (body["target"] is null)
                body["target"] = await PepperScanTypes.ProjectTargetAsync(http, services.Grains,
                    input["projectId"] is JsonValue p && p.TryGetValue<string>(out var projectKey) ? projectKey : null, native.TargetKind);
            if (body["target"] is null)
                throw new RequestValidationException("target", $"{targetField} is required for scanType {type.Word}");

            var element = JsonSerializer.SerializeToElement(body);
            var caller = http.Caller();
            // A source this node serves is a target ScanGate made itself: the deployment's target policy is for targets callers name.
            ScanRequest request;
            bool failOnGiven;
            if (source is not null) request = ScanRequestParser.Parse(element, services.Catalog, caller.OrgId, out failOnGiven);
            else (request, failOnGiven) = await ScanRequestParser.ParseAllowedAsync(element, services.Catalog, caller.OrgId,
                allowPrivateCallbacks: false, services.Targets, http.RequestAborted);

            string? token = null;
            if (source is not null)
            {
                var snapshot = await source(request.Branch);
                (var url, token) = await services.Sources.PublishAsync(snapshot, uploadName, http.RequestAborted);
                request = request with { Target = url };
            }
            var result = await services.Commands.StartAsync(http.Actor(), request, failOnGiven);
            if (!result.Ok)
            {
                if (token is not null) services.Sources.Withdraw(token);
                return (null, PepperEndpoints.From(result.Error!));
            }
            var (started, projectKeyUsed) = result.Value!;
            var id = started.Id;
            return (id, PepperEndpoints.Ok(new
            {
                scanId = id, projectId = projectKeyUsed, status = "QUEUED", scanType = type.Word, nativeScanType = native.Name,
                statusUrl = $"{PepperEndpoints.ApiPath}/scans/{id}",
            }, StatusCodes.Status201Created));
        }
        catch (RequestValidationException ex)
        {
            var field = ex.Field == "target" ? targetField : PepperEndpoints.FieldName(ex.Field);
            return (null, PepperEndpoints.BadRequest(field, ex.Message));
        }
        catch (SourceArchiveException ex)
        {
            return (null, ex.TooLarge
                ? CompatSurface.Error(StatusCodes.Status413PayloadTooLarge, "Source too large", ex.Message)
                : PepperEndpoints.BadRequest("source", ex.Message));
        }
    }

    private static async Task<IResult> GetScan(string id, HttpContext http, IGrainFactory grains)
    {
        var (scan, error) = await PepperEndpoints.ScanAsync(http, grains, id);
        return error ?? PepperEndpoints.Ok(View(scan!));
    }

    /// <summary>A scan in this platform's words. ScanGate measures a scanner's progress in percent, so
    /// <c>filesTotal</c> is 100 and <c>filesCompleted</c> the percent done.</summary>
    public static object View(ScanSnapshot s) => new
    {
        id = s.Id,
        scanId = s.Id,
        projectId = s.Request.ProjectKey,
        scanType = PepperScanTypes.WordOf(s.Request.ScanType, s.Request.Gate.NewOnly),
        nativeScanType = s.Request.ScanType,
        status = PepperEndpoints.Upper(s.Status),
        gateResult = PepperEndpoints.GateResult(s.GatePassed),
        criticalCount = s.Counts.Critical, highCount = s.Counts.High, mediumCount = s.Counts.Medium, lowCount = s.Counts.Low,
        infoCount = s.Counts.Info, totalCount = s.Counts.Total,
        failOn = s.Request.FailOnSeverity is { } f ? PepperEndpoints.Upper(f) : "NONE",
        reasons = s.GateReasons,
        score = s.Verdict?.Score, grade = s.Verdict?.Grade,
        target = s.Request.Target, branch = s.Request.Branch, commitSha = s.Request.Commit, baseSha = s.Request.Gate.BaseCommit,
        createdAt = s.CreatedAt, startedAt = s.StartedAt, completedAt = s.FinishedAt,
        // Keyed as the platform keys its scanners ("SAST_LLM"): the scanner's name upper-cased, '-' as '_'.
        scannerProgress = s.Scanners.ToDictionary(r => r.Name.ToUpperInvariant().Replace('-', '_'), r => new
        {
            status = PepperEndpoints.Upper(r.Status),
            phase = PepperEndpoints.Upper(r.Phase),
            filesCompleted = r.Status == RunStatus.Completed ? 100 : Math.Clamp(r.Percent ?? 0, 0, 100),
            filesTotal = 100,
            error = r.Error,
        }),
        rescanOf = s.RescanOf, rescannedAs = s.RescannedAs,
    };

    private static async Task<IResult> ListScans(HttpContext http, ScanQueries queries, string? projectId, string? status, string? branch,
        string? cursor, int? limit)
    {
        var statusFilter = StatusWords.ParseWord<ScanStatus>(status is null ? null : PepperEndpoints.Lower(status));
        if (status is not null && statusFilter is null)
            return PepperEndpoints.BadRequest("status", $"status must be one of {StatusWords.Words<ScanStatus>().ToUpperInvariant()}");
        var listed = await queries.ListAsync(http.Actor(), new ScanListQuery
        {
            ProjectKey = projectId, Status = statusFilter, Branch = branch, Cursor = cursor, Limit = limit ?? 50,
        });
        if (!listed.Ok) return PepperEndpoints.From(listed.Error!);
        var page = listed.Value!;
        return PepperEndpoints.Ok(new
        {
            scans = page.Items.Select(s => new
            {
                id = s.Id, scanId = s.Id, projectId = s.ProjectKey, scanType = PepperScanTypes.WordOf(s.ScanType, newOnly: false), nativeScanType = s.ScanType,
                status = s.Status.Word().ToUpperInvariant(), gateResult = PepperEndpoints.GateResult(s.GatePassed),
                criticalCount = s.Counts.Critical, highCount = s.Counts.High, mediumCount = s.Counts.Medium, lowCount = s.Counts.Low,
                infoCount = s.Counts.Info, target = s.Target, branch = s.Branch, createdAt = s.CreatedAt, completedAt = s.FinishedAt,
            }),
            nextCursor = page.NextCursor,
        });
    }

    private static async Task<IResult> Command(string id, string command, HttpContext http, IGrainFactory grains, ScanCommands commands)
    {
        var (current, error) = await PepperEndpoints.ScanAsync(http, grains, id);
        if (error is not null) return error;
        // "Resume a paused or stopped scan": a stopped scan's containers are gone, so resuming it runs it again as a
        // rescan (linked to it: rescanOf/rescannedAs); the answer is that new scan.
        if (command == "resume" && current!.Status == ScanStatus.Stopped) command = "rescan";
        if (!ScanCommands.TryParseCommand(command, out var c)) return PepperEndpoints.NotFound($"no command '{command}'");
        var done = await commands.RunAsync(http.Actor(), id, c, http.RequestAborted);
        if (!done.Ok) return PepperEndpoints.From(done.Error!);
        // The answer is the scan the command leaves (for rescan: the new one), read again in full.
        var snapshot = await grains.GetGrain<IScanGrain>(done.Value!.Scan.Id).Get();
        return PepperEndpoints.Ok(View(snapshot!), command == "rescan" ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>The kind a stored artifact is listed as, if it is one of the platform's seven.</summary>
    private static (string Kind, string Type, ArtifactType? Native, string? Scanner)? KindOf(ArtifactInfo a) =>
        ArtifactKinds.Where(k => k.Native == a.Type && (k.Scanner is null || a.Name.StartsWith(k.Scanner + ".", StringComparison.Ordinal)))
            .Select(k => ((string, string, ArtifactType?, string?)?)k).FirstOrDefault();

    private static async Task<IResult> ListArtifacts(string id, HttpContext http, IGrainFactory grains)
    {
        var (_, error) = await PepperEndpoints.ScanAsync(http, grains, id);
        if (error is not null) return error;
        var listed = await http.RequestServices.GetRequiredService<ArtifactQueries>().ListAsync(http.Caller(), id);
        if (!listed.Ok) return PepperEndpoints.From(listed.Error!);
        return PepperEndpoints.Ok(new
        {
            artifacts = listed.Value!.Select(a => (Info: a, Kind: KindOf(a))).Where(a => a.Kind is not null).Select(a => new
            {
                type = a.Kind!.Value.Type, size = a.Info.Size,
                downloadPath = $"{PepperEndpoints.ApiPath}/scans/{id}/artifacts/{a.Kind.Value.Kind}",
                name = a.Info.Name, mediaType = a.Info.MediaType, sha256 = a.Info.Sha256, createdAt = a.Info.CreatedAt,
            }),
        });
    }

    private static async Task<IResult> DownloadArtifact(string id, string kind, HttpContext http, IGrainFactory grains)
    {
        if (ArtifactKinds.FirstOrDefault(k => k.Kind == kind) is not { Kind: not null } known)
            return PepperEndpoints.NotFound($"there is no artifact '{kind}'; artifacts: {string.Join(", ", ArtifactKinds.Select(k => k.Kind))}");
        if (known.Native is not { } type)
            return PepperEndpoints.NotImplemented("Artifact signing is not supported",
                "ScanGate does not sign artifacts (no cosign or RSA key is configured for it); every artifact carries its sha256 in the artifact list instead");
        var (_, error) = await PepperEndpoints.ScanAsync(http, grains, id);
        if (error is not null) return error;
        string? name = null;
        if (known.Scanner is { } scanner)
        {
            var listed = await http.RequestServices.GetRequiredService<ArtifactQueries>().ListAsync(http.Caller(), id);
            if (!listed.Ok) return PepperEndpoints.From(listed.Error!);
            name = listed.Value!.FirstOrDefault(a => a.Type == type && a.Name.StartsWith(scanner + ".", StringComparison.Ordinal))?.Name;
            if (name is null) return PepperEndpoints.NotFound($"scan '{id}' has no {known.Type}: {scanner} did not run in it");
        }
        return await Download(id, type, name, http, grains);
    }

    /// <summary>The findings export is the report ScanGate keeps with the scan when it ends (findings.csv,
    /// report.html, report.sarif).</summary>
    private static async Task<IResult> Export(string id, string? format, HttpContext http, IGrainFactory grains)
    {
        if (format is null || !ExportFormats.TryGetValue(format.ToLowerInvariant(), out var type))
            return PepperEndpoints.BadRequest("format", $"format must be one of {string.Join(", ", ExportFormats.Keys)}");
        return await Download(id, type, null, http, grains);
    }

    private static async Task<IResult> Download(string id, ArtifactType type, string? name, HttpContext http, IGrainFactory grains)
    {
        var (_, error) = await PepperEndpoints.ScanAsync(http, grains, id);
        if (error is not null) return error;
        var opened = await http.RequestServices.GetRequiredService<ArtifactQueries>().OpenAsync(http.Caller(), id, type, name, http.RequestAborted);
        return opened.Ok ? ArtifactEndpoints.Stream(http, opened.Value!) : PepperEndpoints.From(opened.Error!);
    }
}
