using System.Runtime.CompilerServices;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// WhatWeb 0.5.5 (Debian trixie): the technologies a web site announces, JSON log (an array of
/// <c>{target, http_status, plugins: {Name: {version[], string[], os[], module[]}}}</c>). Each technology is an
/// informational finding with its version. WhatWeb's plugins carry no vulnerable-version data, so the one thing it
/// flags that earns a severity is a version the server itself announces in its response headers (Server,
/// X-Powered-By, X-AspNet-Version, …): low, as it tells an attacker which exploits to try.
/// </summary>
public sealed class WhatwebAdapter : IContainerScanner
{
    public string Name => "whatweb";
    public string Description => "WhatWeb: the technologies and versions a web site announces (server, language, CMS, frameworks).";
    public TargetKind TargetKind => TargetKind.Url;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("lightweight_comprehensive")];
    public string DefaultImage => "scangate/whatweb:latest";

    private const string ReportPath = "/out/report.json";

    /// <summary>Plugins that describe the answer rather than a technology.</summary>
    private static readonly HashSet<string> NotTechnologies = ["IP", "Country", "Title", "HTML5", "Script", "Meta-Author", "Email",
        "UncommonHeaders", "RedirectLocation", "Cookies", "HttpOnly", "PasswordField", "Frame", "Object", "Strict-Transport-Security",
        "X-Frame-Options", "X-XSS-Protection", "X-UA-Compatible", "Content-Security-Policy", "Access-Control-Allow-Methods", "Via-Proxy"];

    /// <summary>Plugins that read a response header whose value names software and its version.</summary>
    private static readonly HashSet<string> HeaderPlugins = ["HTTPServer", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator"];

    public ContainerPlan Plan(RunSpec spec) => new()
    {
        // -a 1: one request per target, passive plugins only (stealthy); no redirect to another host is followed.
        Arguments = ["--color=never", "--no-errors", "-a", "1", "--max-redirects=5", "--open-timeout=15", "--read-timeout=30",
            $"--log-json={ReportPath}", "--", spec.Target],
        ReportPath = ReportPath,
        MemoryBytes = 512L * 1024 * 1024,
    };

    public IProgressParser NewProgressParser(RunSpec spec) => new Progress();

    private sealed class Progress : IProgressParser
    {
        public ProgressUpdate? Parse(string line) => line.StartsWith("http", StringComparison.Ordinal) ? new ProgressUpdate("fingerprinted", 90) : null;
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in ReportReading.JsonArrayElementsAsync(report, context, cancellationToken))
        {
            var target = entry.Str("target");
            if (target is null || entry.Obj("plugins") is not { ValueKind: JsonValueKind.Object } plugins) continue;
            foreach (var plugin in plugins.EnumerateObject())
            {
                if (NotTechnologies.Contains(plugin.Name)) continue;
                var versions = plugin.Value.Strings("version");
                var strings = plugin.Value.Strings("string");
                var announcedVersions = HeaderPlugins.Contains(plugin.Name) ? strings.Where(s => s.Any(char.IsDigit)).ToList() : [];
                if (announcedVersions.Count > 0)
                {
                    foreach (var announced in announcedVersions)
                        yield return context.Create(FindingCategories.Misconfiguration, Severity.Low,
                            $"The server announces its software version: {plugin.Name} {announced}", $"version-disclosure:{plugin.Name}",
                            new FindingLocation { Url = target },
                            description: $"WhatWeb read \"{announced}\" from the {plugin.Name} response of {target}. An exact version tells an attacker which known vulnerabilities to try.",
                            remediation: "Configure the server or framework not to announce its name and version in response headers.");
                    continue;
                }
                var version = versions.FirstOrDefault();
                var detail = strings.Concat(plugin.Value.Strings("os")).Concat(plugin.Value.Strings("module")).Distinct().ToList();
                yield return context.Create(FindingCategories.Misconfiguration, Severity.Info,
                    version is not null ? $"Technology: {plugin.Name} {version}"
                    : detail.Count > 0 ? $"Technology: {plugin.Name} ({string.Join("; ", detail)})" : $"Technology: {plugin.Name}",
                    $"technology:{plugin.Name}",
                    new FindingLocation { Url = target, Package = plugin.Name, Version = version },
                    description: $"WhatWeb recognised {plugin.Name}{(version is null ? "" : $" version {string.Join(", ", versions)}")} on {target}"
                        + (detail.Count > 0 ? $" ({string.Join("; ", detail)})." : "."));
            }
        }
    }
}
