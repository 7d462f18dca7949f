using ScanGate.Contracts;
using ScanGate.Storage;
using ScanGate.Storage.Reports;

namespace ScanGate.Tests.Reports;

/// <summary>Findings as scanners report them — some with hostile text a scanned target could have put there — in
/// an in-memory store, and the scan they belong to.</summary>
internal static class ReportSamples
{
    public const string HostileTitle = "<script>alert('x')</script> & \"quoted\"";

    public static ReportScope Scope(string scanId, params string[] scanners) => new()
    {
        ScanId = scanId, ScanType = "network_discovery", Target = "127.0.0.1:8080", Status = ScanStatus.Completed,
        FailOnSeverity = Severity.High, GatePassed = false, GateReasons = ["1 finding at or above high"],
        Counts = new SeverityCounts { Critical = 1, High = 2, Medium = 1, Low = 1, Info = 2 },
        Scanners = scanners.Select(s => new ScannerState
        {
            Name = s, Status = s == "broken" ? RunStatus.Failed : RunStatus.Completed, Phase = RunPhase.Done,
            Error = s == "broken" ? "the container exited 2" : null,
            StartedAt = DateTimeOffset.UtcNow.AddMinutes(-1), FinishedAt = DateTimeOffset.UtcNow,
        }).ToList(),
        CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-2), FinishedAt = DateTimeOffset.UtcNow,
    };

    public static Finding Finding(string scanId, string scanner, string category, Severity severity, string title, FindingLocation? at = null,
        string? rule = null, string? description = null) => new()
    {
        Id = "fnd_" + Guid.NewGuid().ToString("N"), Fingerprint = Guid.NewGuid().ToString("N"), ScanId = scanId, Scanner = scanner,
        Category = category, Severity = severity, Title = title, RuleId = rule, Description = description,
        Location = at ?? new FindingLocation(), DetectedAt = DateTimeOffset.UtcNow, OrgId = "org_test",
    };

    /// <summary>Findings of every kind of location, with text that tries to break out of CSV, HTML and JSON.</summary>
    public static IReadOnlyList<Finding> Mixed(string scanId) =>
    [
        Finding(scanId, "nmap", FindingCategories.Network, Severity.Info, "Open port 8080/tcp (http)", new() { Host = "127.0.0.1", Port = 8080 }, "nmap.open-port"),
        Finding(scanId, "nmap", FindingCategories.Network, Severity.Info, "Open port 22/tcp (ssh)", new() { Host = "::1", Port = 22 }, "nmap.open-port"),
        Finding(scanId, "security_headers", FindingCategories.Header, Severity.Medium, HostileTitle, new() { Url = "http://127.0.0.1:8080/a path?q=<b>" },
            description: "Line one, with a comma\nline \"two\"</td><img src=x onerror=alert(1)>") with { Remediation = "Send the header.", References = ["https://owasp.org/www-project-secure-headers/"] },
        Finding(scanId, "gitleaks", FindingCategories.Secret, Severity.High, "=HYPERLINK(\"http://evil.invalid\",\"click\")", new() { File = "src/config dir/app.env", Line = 12 }, "generic-api-key"),
        Finding(scanId, "gitleaks", FindingCategories.Secret, Severity.High, "+SUM(1,2)", new() { File = "a\\b.txt", Line = 1 }, "aws-access-token")
            with { Status = FindingStatus.FalsePositive, StatusNote = "a test fixture" },
        Finding(scanId, "trivy", FindingCategories.Vulnerability, Severity.Critical, "-2+3 in a package", new() { Image = "registry.local/app:1.2", Layer = "sha256:abc", Package = "openssl", Version = "3.0.11" }, "CVE-2024-0001")
            with { Cves = ["CVE-2024-0001", "CVE-2024-0002"], Cvss = 9.8, CvssVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", FixedVersion = "3.0.13" },
        Finding(scanId, "trivy", FindingCategories.Misconfiguration, Severity.Low, "@import of a remote stylesheet", new() { File = "Dockerfile" }),
    ];

    /// <summary>An SBOM's components (npm from a lock file, a scoped npm package, a Debian package with its own purl, an
    /// image's package with no known ecosystem) and vulnerabilities of two of them and of a package not in it.</summary>
    public static IReadOnlyList<Finding> Sbom(string scanId) =>
    [
        Component(scanId, "lodash", "4.17.20", "app/package-lock.json"),
        Component(scanId, "@babel/core", "7.24.0", "app/package-lock.json"),
        Component(scanId, "pkg:deb/debian/openssl@3.0.11-1?arch=amd64", "3.0.11-1", null),
        Component(scanId, "musl", "1.2.4-r2", null) with { Location = new() { Package = "musl", Version = "1.2.4-r2", Image = "alpine:3.19" } },
        Component(scanId, "requests", "2.31.0", "requirements.txt"),
        Finding(scanId, "trivy", FindingCategories.Vulnerability, Severity.High, "Command injection in lodash",
            new() { Package = "lodash", Version = "4.17.20", File = "app/package-lock.json" }, "CVE-2021-23337")
            with { Cves = ["CVE-2021-23337"], Cvss = 7.2, CvssVector = "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", FixedVersion = "4.17.21",
                   References = ["https://nvd.nist.gov/vuln/detail/CVE-2021-23337"], Description = "lodash template allows command injection." },
        Finding(scanId, "trivy", FindingCategories.Vulnerability, Severity.Medium, "openssl: a flaw",
            new() { Package = "openssl", Version = "3.0.11-1" }, "CVE-2024-1111") with { Cves = ["CVE-2024-1111"] },
        Finding(scanId, "trivy", FindingCategories.Vulnerability, Severity.Low, "not in this SBOM",
            new() { Package = "left-pad", Version = "1.0.0" }, "CVE-2016-0000") with { Cves = ["CVE-2016-0000"] },
    ];

    private static Finding Component(string scanId, string package, string version, string? file) =>
        Finding(scanId, "cdxgen", FindingCategories.SbomComponent, Severity.Info, $"Component {package} {version}",
            new() { Package = package, Version = version, File = file });

    public static async Task<InMemoryFindingStore> StoreWith(string scanId, IReadOnlyList<Finding> findings)
    {
        var store = new InMemoryFindingStore();
        await store.AddAsync(scanId, findings);
        return store;
    }

    /// <summary>Writes one report to a temporary file (deleted by the caller) and returns its path.</summary>
    public static async Task<string> WriteAsync(ReportKind kind, ReportScope scope, FindingSource findings)
    {
        var path = Path.Combine(Path.GetTempPath(), $"scangate-report-{Guid.NewGuid():N}-{kind.Artifact.Name}");
        await using (var file = File.Create(path)) await kind.Write(scope, findings, file, CancellationToken.None);
        return path;
    }
}
