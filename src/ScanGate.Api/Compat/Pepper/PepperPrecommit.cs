using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using ScanGate.Api.Auth;
using ScanGate.Api.Sources;
using ScanGate.Contracts;

namespace ScanGate.Api.Compat.Pepper;

/// <summary>
/// <c>POST /api/precommit/scan</c>: the files a commit is about to add, checked for secrets before the commit is
/// made. The files become one commit of a repository this node serves, scanned by an ordinary SECRETS_ONLY scan
/// (visible, audited and counted like any other), and the answer waits for its verdict (at most
/// <c>timeoutSeconds</c>, default 120): <c>{findings, summary, block}</c>, where <c>block</c> is a failed gate at
/// <c>failOn</c> (default HIGH).
/// </summary>
public static class PepperPrecommit
{
    public const int DefaultTimeoutSeconds = 120;
    public const int MaxTimeoutSeconds = 600;
    private const int MaxFindingsListed = 1000;
    private static readonly string[] Fields = ["files", "failOn", "projectId", "branch"];

    public static RouteGroupBuilder MapPepperPrecommit(this RouteGroupBuilder api)
    {
        api.MapPost("/precommit/scan", Scan).RequireScope(Scopes.ScansTrigger).RequireScope(Scopes.ScansRead)
            .WithMetadata(new AcceptsUpload(_ => true));
        return api;
    }

    private static async Task<IResult> Scan(HttpContext http, PepperScanServices services, int? timeoutSeconds)
    {
        if (timeoutSeconds is < 1 or > MaxTimeoutSeconds)
            return PepperEndpoints.BadRequest("timeoutSeconds", $"timeoutSeconds must be from 1 to {MaxTimeoutSeconds}");
        var input = new JsonObject { ["scanType"] = "SECRETS_ONLY", ["failOn"] = "HIGH" };
        List<(string Path, byte[] Content)> posted;
        try
        {
            if (http.Request.HasFormContentType) posted = await ReadFormAsync(http, input);
            else
            {
                var (body, error) = await RequestBody.ReadObjectAsync(http.Request, Fields);
                if (error is not null) return PepperEndpoints.Rewrap(error);
                posted = ReadJson(body, input);
            }
        }
        catch (RequestValidationException ex) { return PepperEndpoints.BadRequest(ex.Field, ex.Message); }
        catch (InvalidDataException ex) { return PepperEndpoints.BadRequest("body", $"the multipart body cannot be read: {ex.Message}"); }
        if (posted.Count == 0) return PepperEndpoints.BadRequest("files", "post at least one file");

        var name = input["projectId"] is JsonValue p && p.TryGetValue<string>(out var project) && ProjectKeys.IsValid(project) ? project : "precommit";
        var (scanId, started) = await PepperScans.StartScanAsync(http, input, services, branch =>
            Task.FromResult(GitSnapshot.Build(SourceArchive.FromFiles(posted, services.Sources.Options), branch ?? "main",
                "Files checked before a commit", services.Clock.UtcNow)), name);
        if (scanId is null) return started;

        var scan = services.Grains.GetGrain<IScanGrain>(scanId);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(timeoutSeconds ?? DefaultTimeoutSeconds);
        var snapshot = (await scan.Get())!;
        while (!snapshot.Status.IsTerminal())
        {
            if (DateTimeOffset.UtcNow >= deadline)
                return CompatSurface.Error(StatusCodes.Status504GatewayTimeout, "Scan not finished",
                    $"the pre-commit scan {scanId} did not finish within {timeoutSeconds ?? DefaultTimeoutSeconds} s; read it with GET {PepperEndpoints.ApiPath}/scans/{scanId}",
                    new Dictionary<string, object?> { ["scanId"] = scanId });
            await Task.Delay(500, http.RequestAborted);
            snapshot = (await scan.Get())!;
        }

        var findings = new List<object>();
        string? cursor = null;
        do
        {
            var page = await scan.Findings(new FindingQuery { Limit = 500, Cursor = cursor });
            findings.AddRange(page.Items.Select(f => new
            {
                findingId = f.Id, ruleId = f.RuleId, severity = PepperEndpoints.Upper(f.Severity), file = f.Location.File, line = f.Location.Line,
                title = f.Title, description = f.Description, remediation = f.Remediation,
            }));
            cursor = page.NextCursor;
        } while (cursor is not null && findings.Count < MaxFindingsListed);

        return PepperEndpoints.Ok(new
        {
            findings,
            summary = new
            {
                scanId, status = PepperEndpoints.Upper(snapshot.Status), gateResult = PepperEndpoints.GateResult(snapshot.GatePassed),
                failOn = snapshot.Request.FailOnSeverity is { } f ? PepperEndpoints.Upper(f) : "NONE",
                total = snapshot.Counts.Total, critical = snapshot.Counts.Critical, high = snapshot.Counts.High, medium = snapshot.Counts.Medium,
                low = snapshot.Counts.Low, info = snapshot.Counts.Info, filesScanned = posted.Count, reasons = snapshot.GateReasons,
            },
            block = snapshot.GatePassed != true,
        });
    }

    /// <summary>JSON: <c>{files: [{path, content, encoding?: "utf-8" | "base64"}], failOn?, projectId?, branch?}</c>.</summary>
    private static List<(string, byte[])> ReadJson(JsonElement body, JsonObject input)
    {
        foreach (var field in Fields.Skip(1))
            if (body.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null) input[field] = JsonNode.Parse(v.GetRawText());
        if (!body.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array)
            throw new RequestValidationException("files", "files must be an array of {path, content}");
        var list = new List<(string, byte[])>();
        foreach (var file in files.EnumerateArray())
        {
            if (file.ValueKind != JsonValueKind.Object) throw new RequestValidationException("files", "each file is {path, content, encoding?}");
            var path = JsonFields.RequiredString(file, "path", 4096);
            var content = file.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()!
                : throw new RequestValidationException("files", $"file '{path}' needs its content as a string");
            var encoding = JsonFields.String(file, "encoding", 20) ?? "utf-8";
            try
            {
                list.Add((path, encoding.ToLowerInvariant() switch
                {
                    "utf-8" or "utf8" => Encoding.UTF8.GetBytes(content),
                    "base64" => Convert.FromBase64String(content),
                    _ => throw new RequestValidationException("files", $"file '{path}': encoding must be utf-8 or base64"),
                }));
            }
            catch (FormatException) { throw new RequestValidationException("files", $"file '{path}' is not valid base64"); }
        }
        return list;
    }

    /// <summary>Multipart: each file part is one file, its file name the path in the repository (curl:
    /// <c>-F "files=@src/app.py;filename=src/app.py"</c>); the fields failOn, projectId and branch as form fields.</summary>
    private static async Task<List<(string, byte[])>> ReadFormAsync(HttpContext http, JsonObject input)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        foreach (var (name, value) in form)
        {
            if (!Fields.Skip(1).Contains(name)) throw new RequestValidationException(name, $"unknown field '{name}'; fields: {string.Join(", ", Fields.Skip(1))}");
            input[name] = value.ToString();
        }
        var list = new List<(string, byte[])>();
        foreach (var file in form.Files)
        {
            using var memory = new MemoryStream();
            await file.CopyToAsync(memory, http.RequestAborted);
            list.Add((string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName, memory.ToArray()));
        }
        return list;
    }
}
