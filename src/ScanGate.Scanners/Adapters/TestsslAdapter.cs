using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>testssl.sh 3.2 (Debian trixie, command `testssl`): JSON report, one entry per check.</summary>
public sealed class TestsslAdapter : IContainerScanner
{
    public string Name => "testssl";
    public string Description => "testssl.sh: TLS protocols, ciphers, certificate and known TLS vulnerabilities.";
    public TargetKind TargetKind => TargetKind.TlsEndpoint;
    public IReadOnlyList<ScannerUse> Uses { get; } =
    [
        new("ssl_security"),
        new("lightweight_comprehensive", Target: TargetDerivation.UrlTlsEndpoint, Profiles: new Dictionary<string, string> { ["standard"] = "quick" }),
    ];
    public string DefaultImage => "scangate/testssl:latest";

    private const string ReportPath = "/out/report.json";

    /// <summary>The section headers testssl prints, in order, for each profile; progress is the share seen.</summary>
    private static readonly string[] QuickSections = ["Testing protocols", "Testing server defaults"];
    private static readonly string[] StandardSections =
    [
        "Testing protocols", "Testing cipher categories", "Testing server's cipher preferences",
        "Testing robust forward secrecy", "Testing server defaults", "Testing HTTP header response",
        "Testing vulnerabilities", "Running client simulations",
    ];
    /// <summary>--full adds the server implementation bugs (GREASE) and the ciphers of each protocol.</summary>
    private static readonly string[] ComprehensiveSections =
    [
        "Testing protocols", "Testing for server implementation bugs", "Testing cipher categories", "Testing server's cipher preferences",
        "Testing robust forward secrecy", "Testing server defaults", "Testing HTTP header response",
        "Testing vulnerabilities", "Testing ciphers per protocol", "Testing all locally available ciphers per protocol", "Running client simulations",
    ];
    /// <summary>With --vulnerable alone testssl prints one line per check, in this order.</summary>
    private static readonly string[] VulnerabilitySections =
    [
        "Heartbleed", "CCS", "Ticketbleed", "ROBOT", "Secure Renegotiation", "Secure Client-Initiated Renegotiation", "CRIME",
        "BREACH", "POODLE", "TLS_FALLBACK_SCSV", "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "LUCKY13", "Winshock", "RC4",
    ];

    public ContainerPlan Plan(RunSpec spec)
    {
        var args = new List<string> { "--quiet", "--warnings", "off", "--color", "0", "--jsonfile", ReportPath };
        args.AddRange(spec.Profile switch
        {
            "quick" => ["--protocols", "--server-defaults"],
            "vulnerability" => ["--vulnerable"],
            "comprehensive" => ["--full"],
            _ => [], // standard: every default check
        });
        args.Add(spec.Target);
        return new ContainerPlan { Arguments = args, ReportPath = ReportPath, PidsLimit = 512 };
    }

    public IProgressParser NewProgressParser(RunSpec spec) => new SectionProgress(spec.Profile switch
    {
        "quick" => QuickSections,
        "vulnerability" => VulnerabilitySections,
        "comprehensive" => ComprehensiveSections,
        _ => StandardSections,
    });

    private sealed class SectionProgress(string[] sections) : IProgressParser
    {
        private int _seen;
        public ProgressUpdate? Parse(string line)
        {
            var trimmed = line.Trim();
            var index = Array.FindIndex(sections, s => trimmed.StartsWith(s, StringComparison.Ordinal));
            if (index < 0) return null;
            _seen = Math.Max(_seen, index + 1);
            return new(trimmed, (int)(100.0 * (_seen - 1) / sections.Length));
        }
    }

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in ReportReading.JsonArrayElementsAsync(report, context, cancellationToken))
        {
            var severity = entry.Str("severity") switch
            {
                "CRITICAL" => Severity.Critical,
                "HIGH" => Severity.High,
                "MEDIUM" => Severity.Medium,
                "LOW" => Severity.Low,
                _ => (Severity?)null, // OK and INFO are not findings; WARN and FATAL are about the scan itself
            };
            var id = entry.Str("id") ?? "unknown";
            if (severity is null)
            {
                if (entry.Str("severity") is "FATAL") context.Warn($"testssl: {entry.Str("finding")}");
                continue;
            }
            var (host, port) = SplitIpPort(entry.Str("ip"), entry.Str("port"));
            var cve = entry.Str("cve");
            yield return context.Create("tls", severity.Value, $"{id}: {entry.Str("finding")}", id,
                new FindingLocation { Host = host, Port = port },
                description: entry.Str("finding"),
                cves: string.IsNullOrWhiteSpace(cve) ? [] : cve.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                references: entry.Str("cwe") is { Length: > 0 } cwe ? [cwe] : null);
        }
    }

    // testssl writes "ip": "name/1.2.3.4" and "port": "443".
    private static (string? Host, int? Port) SplitIpPort(string? ip, string? port)
    {
        var host = ip?.Split('/') is { Length: > 0 } parts ? parts[^1] : ip;
        return (string.IsNullOrEmpty(host) ? null : host, int.TryParse(port, out var p) ? p : null);
    }
}
