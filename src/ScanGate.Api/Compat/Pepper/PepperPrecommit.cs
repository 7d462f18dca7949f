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
        api.MapGet("/precommit/install.sh", (HttpContext http) => TypedResults.Text(Installer(
                $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{PepperEndpoints.BasePath}"), "text/x-shellscript; charset=utf-8"))
            .AllowAnonymous();
        api.MapPost("/precommit/scan", Scan).RequireScope(Scopes.ScansTrigger).RequireScope(Scopes.ScansRead)
            .WithMetadata(new AcceptsUpload(_ => true));
        return api;
    }

    /// <summary>
    /// The installer (no key needed to fetch it): run in a Git work tree, it writes .git/hooks/pre-commit, which sends
    /// the staged files to <c>POST /api/precommit/scan</c> with the key in PEPPER_API_KEY and refuses the commit when
    /// the answer says <c>block</c>. PEPPER_API_URL defaults to this server; PEPPER_FAIL_ON to CRITICAL,HIGH.
    /// The hook needs bash, curl, jq and base64.
    /// </summary>
    internal static string Installer(string baseUrl) => $$"""
        #!/usr/bin/env bash
        # Installs the Pepper pre-commit hook into the Git repository of the current directory.
        set -euo pipefail
        hooks="$(git rev-parse --git-path hooks)"
        mkdir -p "$hooks"
        cat > "$hooks/pre-commit" <<'HOOK'
        #!/usr/bin/env bash
        # Pepper pre-commit check: the staged files are scanned before the commit is made.
        set -euo pipefail
        : "${PEPPER_API_KEY:?set PEPPER_API_KEY to a Pepper API key}"
        url="${PEPPER_API_URL:-{{baseUrl}}}"
        fail_on="${PEPPER_FAIL_ON:-CRITICAL,HIGH}"
        files='[]'
        while IFS= read -r -d '' path; do
          content=$(git show ":$path" | base64 -w0)
          files=$(jq --arg p "$path" --arg c "$content" '. + [{path: $p, content: $c, encoding: "base64"}]' <<<"$files")
        done < <(git diff --cached --name-only --diff-filter=ACM -z)
        [ "$files" = '[]' ] && exit 0
        body=$(jq -n --argjson files "$files" --arg failOn "$fail_on" '{files: $files, failOn: ($failOn | split(","))}')
        answer=$(curl -sS --fail-with-body -X POST "$url/api/precommit/scan" -H "Authorization: Bearer $PEPPER_API_KEY"           -H 'Content-Type: application/json' --data-binary "$body")
        jq -r '.findings[] | "\(.severity) \(.filePath):\(.startLine // "-") \(.title)"' <<<"$answer"
        if [ "$(jq -r '.block' <<<"$answer")" = "true" ]; then
          echo "pepper: commit blocked (failOn $fail_on)" >&2
          exit 1
        fi
        HOOK
        chmod +x "$hooks/pre-commit"
        echo "Pepper pre-commit hook installed in $hooks/pre-commit"

        """;

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
                id = f.Id, ruleId = f.RuleId, severity = PepperEndpoints.Upper(f.Severity), filePath = f.Location.File, startLine = f.Location.Line,
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

    private static readonly string[] SeverityOrder = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"];

    /// <summary>
    /// The documented <c>failOn</c> is a list of severities that block (["CRITICAL","HIGH"]); the gate's threshold is
    /// its lowest. A list with a gap (["CRITICAL","LOW"]) is not a threshold, so it is refused rather than read as
    /// more or less than it says; an empty list never blocks.
    /// </summary>
    internal static JsonNode FailOnThreshold(JsonElement list)
    {
        if (list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new RequestValidationException("failOn", $"failOn must be an array of severities: {string.Join(", ", SeverityOrder)}");
        var words = list.EnumerateArray().Select(e => e.GetString()!.Trim().ToUpperInvariant()).Distinct().ToList();
        if (words.FirstOrDefault(w => !SeverityOrder.Contains(w)) is { } unknown)
            throw new RequestValidationException("failOn", $"unknown severity '{unknown}' in failOn; severities: {string.Join(", ", SeverityOrder)}");
        if (words.Count == 0) return JsonValue.Create("NONE");
        var lowest = words.Max(w => Array.IndexOf(SeverityOrder, w));
        if (words.Count != lowest + 1)
            throw new RequestValidationException("failOn",
                $"failOn blocks a severity and everything above it: give {string.Join(", ", SeverityOrder.Take(lowest + 1))} (a list with a gap is not supported)");
        return JsonValue.Create(SeverityOrder[lowest]);
    }

    /// <summary>JSON: <c>{files: [{path, content, encoding?: "utf-8" | "base64"}], failOn?: [severities] | severity, projectId?, branch?}</c>.</summary>
    private static List<(string, byte[])> ReadJson(JsonElement body, JsonObject input)
    {
        foreach (var field in Fields.Skip(1))
            if (body.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null)
                input[field] = field == "failOn" && v.ValueKind == JsonValueKind.Array ? FailOnThreshold(v) : JsonNode.Parse(v.GetRawText());
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
