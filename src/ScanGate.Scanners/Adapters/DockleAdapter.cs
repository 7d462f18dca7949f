using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Dockle 0.4.14 (the vendor's release; see deploy/scanners/dockle) on an image read from its registry: image-policy
/// checks (the CIS Docker Benchmark's image rules, CIS-DI-*, and dockle's own, DKL-*), JSON report
/// <c>{"image", "summary", "details": [{"code", "title", "level", "alerts"}]}</c>. Each broken rule is one
/// <c>misconfiguration</c> finding whose rule id is the checkpoint code. Levels map through
/// <see cref="SeverityScale.FromPolicyLevel"/> (FATAL high, WARN medium, INFO low); INFO and SKIP (a check that could
/// not run) are advisory, so they are marked audit-only and never fail a gate; PASS is not a finding. Alerts of the
/// credential check (CIS-DI-0010) name where a secret is and can quote it: only the part before the quote is kept.
/// </summary>
public sealed class DockleAdapter : IContainerScanner
{
    public string Name => "dockle";
    public string Description => "Dockle: image-policy checks (CIS Docker Benchmark image rules and Dockle's best practices).";
    public TargetKind TargetKind => TargetKind.ContainerImage;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("container_image")];
    public string DefaultImage => "scangate/dockle:latest";

    private const string ReportPath = "/out/report.json";
    private const string CredentialCheck = "CIS-DI-0010";

    public ContainerPlan Plan(RunSpec spec) => ImageScanning.Plan(
        ["--format", "json", "--output", ReportPath, "--exit-code", "0", "--timeout", "10m", "--", spec.Target], ReportPath);

    // Dockle writes nothing to its log while it works (only its errors): the run's progress is its phases.
    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress();

    public IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context, CancellationToken cancellationToken) =>
        ImageScanning.FindingsAtAsync(report, context, ["details", "[]"], ["image"], m => Detail(m, context), cancellationToken);

    private static IEnumerable<Finding> Detail(JsonMatch m, FindingContext context)
    {
        var d = m.Item;
        var level = d.Str("level")?.ToUpperInvariant();
        if (d.Str("code") is not { Length: > 0 } code || level is null or "PASS") yield break;
        var alerts = d.TryGetProperty("alerts", out var a) && a.ValueKind == JsonValueKind.Array
            ? a.EnumerateArray().Select(x => x.GetString()).OfType<string>().Select(x => Redact(code, x)).ToList() : [];
        var title = d.Str("title") ?? code;
        var finding = context.Create(FindingCategories.Misconfiguration, SeverityScale.FromPolicyLevel(level), $"{code}: {title}", code,
            new FindingLocation { Image = m.Str("image") },
            description: level == "SKIP"
                ? $"Image policy check not run: {string.Join(" ", alerts)}".Trim()
                : $"Image policy ({level}): {string.Join(" ", alerts)}".Trim(),
            remediation: $"Change the image's build so that it meets \"{title}\".",
            references: [$"https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#{code.ToLowerInvariant()}"]);
        yield return level is "INFO" or "SKIP" ? finding with { AuditOnly = true } : finding;
    }

    /// <summary>"Suspicious ENV key found : DB_PASSWORD on ENV DB_PASSWORD=… (You can suppress it with --accept-key)":
    /// the key, never the value.</summary>
    private static string Redact(string code, string alert)
    {
        if (code != CredentialCheck) return alert;
        var on = alert.IndexOf(" on ", StringComparison.Ordinal);
        return on < 0 ? alert : alert[..on] + " (value not kept)";
    }
}
