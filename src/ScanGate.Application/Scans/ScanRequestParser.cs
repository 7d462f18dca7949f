using System.Text.Json;
using System.Text.RegularExpressions;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;

namespace ScanGate.Application;

/// <summary>Turns the body of POST /api/v1/scans into a validated <see cref="ScanRequest"/>.</summary>
public static partial class ScanRequestParser
{
    private static readonly HashSet<string> KnownFields =
        ["scan_type", "target", "scan_profile", "scanners", "fail_on_severity", "branch", "pipeline_context", "project", "callback_url",
         "commit", "max_counts", "fail_on_sast", "fail_on_dependency", "fail_on_iac", "fail_on_secrets", "new_only", "base_branch",
         "base_commit", "image_policy", "expected_uploads"];
    public const int MaxExpectedUploads = 20;
    public const int MaxPipelineContextBytes = 16 * 1024;

    public static ScanRequest Parse(JsonElement body, ScanCatalog catalog, string orgId) => Parse(body, catalog, orgId, out _);

    public static ScanRequest Parse(JsonElement body, ScanCatalog catalog, string orgId, out bool failOnGiven) =>
        Parse(body, catalog, orgId, allowPrivateCallbacks: false, out failOnGiven);

    /// <summary>Parses and validates; <paramref name="failOnGiven"/> tells whether the request chose its own
    /// gate threshold (otherwise the project's default applies). <paramref name="otherFields"/> are fields of a body
    /// that carries a scan among other things (a schedule's cron), read by the caller.</summary>
    public static ScanRequest Parse(JsonElement body, ScanCatalog catalog, string orgId, bool allowPrivateCallbacks, out bool failOnGiven,
        IReadOnlyCollection<string>? otherFields = null)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw new RequestValidationException("body", "the request body must be a JSON object");
        otherFields ??= [];
        foreach (var p in body.EnumerateObject())
            if (!KnownFields.Contains(p.Name) && !otherFields.Contains(p.Name))
                throw new RequestValidationException(p.Name, $"unknown field '{p.Name}'; known fields: {string.Join(", ", otherFields.Concat(KnownFields))}");

        var scanTypeName = RequiredString(body, "scan_type");
        var type = catalog.FindType(scanTypeName)
            ?? throw new RequestValidationException("scan_type", $"unknown scan_type '{scanTypeName}'; known types: {string.Join(", ", catalog.ScanTypes.Select(t => t.Name).Order())}");

        var rawTarget = RequiredString(body, "target");
        if (!Targets.TryNormalize(type.TargetKind, rawTarget, out var target, out var targetError))
            throw new RequestValidationException("target", $"{targetError} (scan_type {type.Name} takes a {KindWords(type.TargetKind)})");

        var profile = OptionalString(body, "scan_profile") ?? type.DefaultProfile;
        if (type.Profiles.All(p => p.Name != profile))
            throw new RequestValidationException("scan_profile", $"unknown scan_profile '{profile}' for {type.Name}; known profiles: {string.Join(", ", type.Profiles.Select(p => p.Name))}");

        var allowed = catalog.ScannersFor(type.Name).Select(s => s.Name).ToList();
        List<string> scanners;
        var named = body.TryGetProperty("scanners", out var sc) && sc.ValueKind != JsonValueKind.Null;
        if (named)
        {
            // An empty list makes a scan of uploaded results only (it must expect some).
            var uploadOnly = sc.ValueKind == JsonValueKind.Array && sc.GetArrayLength() == 0 && (JsonFields.Int(body, "expected_uploads", 0, MaxExpectedUploads) ?? 0) > 0;
            if (sc.ValueKind != JsonValueKind.Array || (sc.GetArrayLength() == 0 && !uploadOnly) || sc.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                throw new RequestValidationException("scanners", "scanners must be a non-empty array of scanner names (or empty, with expected_uploads, for a scan of uploaded results only)");
            scanners = sc.EnumerateArray().Select(e => e.GetString()!).Distinct().ToList();
            if (scanners.FirstOrDefault(s => !allowed.Contains(s)) is { } bad)
                throw new RequestValidationException("scanners", $"scanner '{bad}' does not serve {type.Name}; allowed: {string.Join(", ", allowed)}");
        }
        else scanners = catalog.DefaultScannersFor(type.Name).Select(s => s.Name).ToList();

        // Each scanner's own target and profile, where they differ from the scan's (a URL's host for a port scan). A
        // default scanner the target gives nothing to do is left out; one the request names is its mistake.
        var inputs = new Dictionary<string, ScannerInput>(StringComparer.Ordinal);
        foreach (var name in scanners.ToList())
        {
            var input = catalog.InputFor(type, catalog.GetScanner(name), target, profile, out var why);
            if (input is null && named) throw new RequestValidationException("scanners", $"{why}; the target is {target}");
            if (input is null) scanners.Remove(name);
            else if (input != new ScannerInput(target, profile)) inputs[name] = input;
        }
        if (scanners.Count == 0 && !named)
            throw new RequestValidationException("target", $"no scanner of {type.Name} has anything to scan in {target}");

        Severity? failOn = Severity.Critical;
        failOnGiven = false;
        if (OptionalString(body, "fail_on_severity") is { } failWord)
        {
            failOnGiven = true;
            if (failWord.Equals("none", StringComparison.OrdinalIgnoreCase)) failOn = null;
            else if (StatusWords.TryParseSeverity(failWord, out var sev) && sev != Severity.Info) failOn = sev;
            else throw new RequestValidationException("fail_on_severity", $"fail_on_severity must be one of critical, high, medium, low, none (got '{failWord}')");
        }

        var branch = OptionalString(body, "branch");
        if (branch is not null && !GitRef().IsMatch(branch))
            throw new RequestValidationException("branch", "branch must be a Git branch name: letters, digits, '.', '_', '/', '-', not starting with '-' or '/', at most 200 characters");

        string? context = null;
        if (body.TryGetProperty("pipeline_context", out var pc) && pc.ValueKind != JsonValueKind.Null)
        {
            if (pc.ValueKind != JsonValueKind.Object)
                throw new RequestValidationException("pipeline_context", "pipeline_context must be a JSON object");
            context = pc.GetRawText();
            if (System.Text.Encoding.UTF8.GetByteCount(context) > MaxPipelineContextBytes)
                throw new RequestValidationException("pipeline_context", $"pipeline_context must be at most {MaxPipelineContextBytes} bytes");
        }

        var project = OptionalString(body, "project");
        if (project is not null && !ProjectKeys.IsValid(project))
            throw new RequestValidationException("project", ProjectKeys.Rule);

        var callback = OptionalString(body, "callback_url");
        if (callback is not null) callback = CallbackUrl(callback, allowPrivateCallbacks);

        var commit = CommitId(body, "commit");
        var gate = ParseGate(body);
        if (gate.NewOnly && project is null)
            throw new RequestValidationException("new_only", "new_only judges findings against the project's baseline: name the project");
        var expectedUploads = JsonFields.Int(body, "expected_uploads", 0, MaxExpectedUploads) ?? 0;

        return new ScanRequest
        {
            ScanType = type.Name, Target = target, Profile = profile, Scanners = scanners, ScannerInputs = inputs, FailOnSeverity = failOn,
            Branch = branch, PipelineContextJson = context, OrgId = orgId, ProjectKey = project, CallbackUrl = callback,
            Commit = commit, Gate = gate, ExpectedUploads = expectedUploads, ScannersNamed = named,
        };
    }

    /// <summary>The gate beyond fail_on_severity: max_counts, the category switches, new_only against a baseline,
    /// and the image-policy mode.</summary>
    private static GateSpec ParseGate(JsonElement body)
    {
        var maxCounts = new Dictionary<Severity, int>();
        if (body.TryGetProperty("max_counts", out var mc) && mc.ValueKind != JsonValueKind.Null)
        {
            if (mc.ValueKind != JsonValueKind.Object)
                throw new RequestValidationException("max_counts", "max_counts must be an object such as {\"critical\": 0, \"high\": 5}");
            foreach (var p in mc.EnumerateObject())
            {
                if (!StatusWords.TryParseSeverity(p.Name, out var severity))
                    throw new RequestValidationException("max_counts", $"max_counts has an unknown severity '{p.Name}'; severities: critical, high, medium, low, info");
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var max) || max < 0)
                    throw new RequestValidationException("max_counts", $"max_counts.{p.Name} must be a whole number of at least 0");
                maxCounts[severity] = max;
            }
        }
        var baseBranch = OptionalString(body, "base_branch");
        if (baseBranch is not null && !GitRef().IsMatch(baseBranch))
            throw new RequestValidationException("base_branch", "base_branch must be a Git branch name");
        var newOnly = JsonFields.Bool(body, "new_only") ?? false;
        var baseCommit = CommitId(body, "base_commit");
        if (!newOnly && (baseBranch is not null || baseCommit is not null))
            throw new RequestValidationException(baseBranch is not null ? "base_branch" : "base_commit", "a baseline only applies with new_only: true");
        return new GateSpec
        {
            MaxCounts = maxCounts,
            FailOnSast = JsonFields.Bool(body, "fail_on_sast"),
            FailOnDependency = JsonFields.Bool(body, "fail_on_dependency"),
            FailOnIac = JsonFields.Bool(body, "fail_on_iac"),
            FailOnSecrets = JsonFields.Bool(body, "fail_on_secrets"),
            NewOnly = newOnly, BaseBranch = baseBranch, BaseCommit = baseCommit,
            ImagePolicy = JsonFields.Enum<ImagePolicyMode>(body, "image_policy") ?? ImagePolicyMode.Enforce,
        };
    }

    private static string? CommitId(JsonElement body, string field)
    {
        var value = OptionalString(body, field);
        if (value is not null && !CommitHash().IsMatch(value))
            throw new RequestValidationException(field, $"{field} must be a Git commit id: 7 to 64 hexadecimal characters");
        return value?.ToLowerInvariant();
    }

    [GeneratedRegex("^[0-9a-fA-F]{7,64}$")]
    private static partial Regex CommitHash();

    /// <summary>Parses a scan as <see cref="Parse(JsonElement, ScanCatalog, string, bool, out bool, IReadOnlyCollection{string}?)"/>
    /// does and checks its target against the deployment's policy: a scan to run now and a scheduled one are read alike.</summary>
    public static async Task<(ScanRequest Request, bool FailOnGiven)> ParseAllowedAsync(JsonElement body, ScanCatalog catalog, string orgId,
        bool allowPrivateCallbacks, TargetPolicy targets, CancellationToken cancellationToken, IReadOnlyCollection<string>? otherFields = null)
    {
        var request = Parse(body, catalog, orgId, allowPrivateCallbacks, out var failOnGiven, otherFields);
        if (await targets.RefusalAsync(catalog.FindType(request.ScanType)!.TargetKind, request.Target, cancellationToken) is { } refusal)
            throw new RequestValidationException("target", refusal);
        return (request, failOnGiven);
    }

    /// <summary>An https URL of a public host (http and private hosts only where the deployment allows them).
    /// Names are checked again, on the address actually connected to, at delivery.</summary>
    private static string CallbackUrl(string raw, bool allowPrivate)
    {
        if (raw.Length > 2048 || !Uri.TryCreate(raw, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
            throw new RequestValidationException("callback_url", "callback_url must be an absolute https:// URL");
        if (uri.Scheme == "http" && !allowPrivate)
            throw new RequestValidationException("callback_url", "callback_url must use https");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw new RequestValidationException("callback_url", "callback_url must not contain credentials");
        if (!allowPrivate && (uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && !NetworkAddresses.IsPublic(ip))))
            throw new RequestValidationException("callback_url", "callback_url must name a public address, not a loopback or private one");
        return uri.AbsoluteUri;
    }

    private static string KindWords(TargetKind kind) => kind switch
    {
        TargetKind.Host => "host name, IP address or CIDR range, optionally with :ports",
        TargetKind.TlsEndpoint => "host[:port] or https:// URL",
        TargetKind.Url => "http:// or https:// URL",
        TargetKind.GitRepository => "https:// or git:// Git repository URL",
        TargetKind.ContainerImage => "container image reference such as registry.example.com/team/app:1.2",
        _ => kind.ToString(),
    };

    private static string RequiredString(JsonElement body, string name) =>
        OptionalString(body, name) ?? throw new RequestValidationException(name, $"{name} is required");

    private static string? OptionalString(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.String) throw new RequestValidationException(name, $"{name} must be a string");
        var s = v.GetString()!.Trim();
        return s.Length == 0 ? throw new RequestValidationException(name, $"{name} must not be empty") : s;
    }

    [GeneratedRegex(@"^(?![-/])(?!.*\.\.)(?!.*//)[A-Za-z0-9._/\-]{1,200}(?<![/.])$")]
    private static partial Regex GitRef();
}

/// <summary>Project keys: short, URL-safe, lower case.</summary>
public static partial class ProjectKeys
{
    public const string Rule = "a project key is 1 to 64 characters: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit";

    public static bool IsValid(string key) => KeyPattern().IsMatch(key);

    /// <summary>The project a scan of <paramref name="target"/> (a target of <paramref name="kind"/>) lands in when its
    /// request names none: a Git repository's name, else the host (and port).</summary>
    public static string FromTarget(TargetKind? kind, string target)
    {
        var text = target;
        if (Uri.TryCreate(target, UriKind.Absolute, out var uri))
            text = kind == TargetKind.GitRepository && uri.Segments.Length > 1
                ? uri.Segments[^1].Trim('/').Replace(".git", "", StringComparison.Ordinal)
                : uri.IsDefaultPort ? uri.Host : $"{uri.Host}-{uri.Port}";
        var slug = NotAllowed().Replace(text.ToLowerInvariant(), "-").Trim('-', '.', '_');
        if (slug.Length > 64) slug = slug[..64].TrimEnd('-', '.', '_');
        return slug.Length == 0 ? "default" : slug;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex NotAllowed();
}
