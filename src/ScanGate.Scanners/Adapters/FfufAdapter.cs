using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// ffuf 2.1 (Debian trixie) with dirb's word lists and a short list of ours (deploy/scanners/ffuf/sensitive.txt):
/// content discovery under a URL, JSON report (<c>results[]</c>: <c>input.FUZZ</c>, <c>url</c>, <c>status</c>,
/// <c>length</c>, <c>words</c>, <c>content-type</c>, <c>redirectlocation</c>). ffuf calibrates itself against the
/// site's answer to paths that cannot exist (<c>-ac</c>), so a site that answers everything is not a list of
/// findings. What it found is judged by its path: a repository, an environment file, a backup or dump, credentials
/// are high; admin and debug endpoints medium; anything else that answered is info.
/// </summary>
public sealed partial class FfufAdapter : IContainerScanner
{
    public string Name => "ffuf";
    public string Description => "ffuf: content discovery with dirb's word lists (exposed .git/, .env, backups, admin and debug paths).";
    public TargetKind TargetKind => TargetKind.Url;
    public IReadOnlyList<ScannerUse> Uses { get; } =
    [
        new("web_vulnerability"),
        new("lightweight_comprehensive", Profiles: new Dictionary<string, string> { ["standard"] = "quick" }),
    ];
    public string DefaultImage => "scangate/ffuf:latest";

    private const string ReportPath = "/out/report.json";

    /// <summary>The word list, the extensions tried on each word and the time budget of each profile.</summary>
    public static IReadOnlyList<string> ProfileArguments(string profile) => profile switch
    {
        "standard" => ["-w", "/opt/ffuf/common.txt", "-e", ".zip,.tar.gz,.bak,.old,.sql", "-maxtime", "300"],
        "comprehensive" => ["-w", "/opt/ffuf/big.txt", "-e", ".zip,.tar.gz,.bak,.old,.sql,.php,.txt", "-maxtime", "900"],
        _ => ["-w", "/opt/ffuf/common.txt", "-e", ".zip,.bak", "-maxtime", "120"], // quick
    };

    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments =
        [
            "-u", FuzzUrl(spec.Target), .. ProfileArguments(spec.Profile),
            "-ac", "-t", "20", "-timeout", "10", "-noninteractive", "-s",
            "-o", ReportPath, "-of", "json",
        ],
        ReportPath = ReportPath,
        MemoryBytes = 512L * 1024 * 1024,
    };

    /// <summary>The URL with FUZZ as its last path segment: under the directory the target names.</summary>
    public static string FuzzUrl(string target)
    {
        var uri = new Uri(target);
        var path = uri.AbsolutePath.EndsWith('/') ? uri.AbsolutePath : uri.AbsolutePath[..(uri.AbsolutePath.LastIndexOf('/') + 1)];
        return new UriBuilder(uri) { Path = path + "FUZZ", Query = "", Fragment = "" }.Uri.AbsoluteUri;
    }

    /// <summary>-s prints each word that answered, one a line; a count is all the progress ffuf gives.</summary>
    public IProgressParser NewProgressParser(RunSpec spec) => new Found();

    private sealed class Found : IProgressParser
    {
        private int _count;
        public ProgressUpdate? Parse(string line) =>
            string.IsNullOrWhiteSpace(line) ? null : new ProgressUpdate($"found {++_count}", null);
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var match in JsonStreaming.ElementsAtAsync(report, ["results", "[]"], context, cancellationToken: cancellationToken))
        {
            var result = match.Item;
            var url = result.Str("url");
            if (url is null || !seen.Add(url)) continue; // "backup" + ".zip" and "backup.zip" are one path
            var path = result.Obj("input").Str("FUZZ") ?? new Uri(url).AbsolutePath.TrimStart('/');
            var status = result.Int("status") ?? 0;
            var (severity, kind, rule) = Judge(path, status);
            var redirect = result.Str("redirectlocation");
            var details = $"HTTP {status}, {result.Int("length") ?? 0} bytes, {result.Int("words") ?? 0} words"
                + (result.Str("content-type") is { Length: > 0 } type ? $", {type}" : "")
                + (redirect is { Length: > 0 } ? $", redirect to {redirect}" : "");
            yield return context.Create(FindingCategories.Misconfiguration, severity, $"{kind}: /{path} ({status})", rule,
                new FindingLocation { Url = url },
                description: $"ffuf requested /{path} and the site answered differently from a path that does not exist: {details}.",
                remediation: severity >= Severity.Medium
                    ? "Remove the file or endpoint from the web root, or deny access to it in the web server's configuration."
                    : null);
        }
    }

    /// <summary>What a discovered path exposes. Access refused (401/403) says it exists, not that it leaks: one step lower.</summary>
    public static (Severity Severity, string Kind, string Rule) Judge(string path, int status)
    {
        var p = path.ToLowerInvariant();
        var (severity, kind, rule) =
            p.StartsWith(".git", StringComparison.Ordinal) || p.StartsWith(".svn", StringComparison.Ordinal) || p.StartsWith(".hg", StringComparison.Ordinal)
                ? (Severity.High, "Exposed version-control data", "exposed-vcs")
            : p.StartsWith(".env", StringComparison.Ordinal) || p is ".npmrc" or ".pypirc" or ".htpasswd" or ".passwd" || p.Contains("credentials") || p.StartsWith("id_rsa") || p.EndsWith("config.json")
                ? (Severity.High, "Exposed secrets file", "exposed-secrets")
            : Backup().IsMatch(p)
                ? (Severity.High, "Exposed backup or dump", "exposed-backup")
            : Debug().IsMatch(p)
                ? (Severity.Medium, "Exposed debug or diagnostics endpoint", "exposed-debug")
            : Admin().IsMatch(p)
                ? (Severity.Medium, "Exposed administration page", "exposed-admin")
            : p.StartsWith('.') ? (Severity.Low, "Exposed hidden file", "exposed-hidden-file")
            : (Severity.Info, "Discovered path", "discovered-path");
        if (status is 401 or 403 && severity > Severity.Info) severity--;
        return (severity, kind, rule);
    }

    [GeneratedRegex(@"(^|/)(backup|backups|_backup|dump|db)([._-].*)?$|\.(zip|tar|tar\.gz|tgz|gz|bak|old|orig|sql|sqlite|db|swp)$|~$")]
    private static partial Regex Backup();

    [GeneratedRegex(@"^(debug|_profiler|__debug__|phpinfo|info\.php|server-status|server-info|actuator|elmah\.axd|trace\.axd|console|test\.php)")]
    private static partial Regex Debug();

    [GeneratedRegex(@"^(admin|administrator|adminer|phpmyadmin|wp-admin|manager|cpanel|webadmin|siteadmin)")]
    private static partial Regex Admin();
}
