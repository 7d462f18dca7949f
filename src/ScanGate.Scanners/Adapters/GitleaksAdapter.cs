using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>gitleaks 8.16 (Debian trixie) on a repository cloned inside its own container; JSON report,
/// secrets redacted by gitleaks itself so they are never stored.</summary>
public sealed class GitleaksAdapter : IContainerScanner
{
    public string Name => "gitleaks";
    public string Description => "gitleaks: secrets in every commit of a Git repository.";
    public TargetKind TargetKind => TargetKind.GitRepository;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("secret_scan")];
    public string DefaultImage => "scangate/gitleaks:latest";

    private const string ReportPath = "/out/report.json";

    // The image's entry point clones the URL (one argument, after "--") and runs gitleaks with --redact.
    public ContainerPlan Plan(RunSpec spec) => new()
    {
        Arguments = string.IsNullOrEmpty(spec.Branch) ? [spec.Target] : [spec.Target, spec.Branch],
        ReportPath = ReportPath,
        WorkPaths = ["/work"],
        MemoryBytes = 1024L * 1024 * 1024,
    };

    public IProgressParser NewProgressParser(RunSpec spec) => new ClonePhaseProgress("scanning");

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var leak in ReportReading.JsonArrayElementsAsync(report, context, cancellationToken))
        {
            var rule = leak.Str("RuleID") ?? "unknown";
            var file = leak.Str("File");
            var line = leak.Int("StartLine");
            var commit = leak.Str("Commit");
            var severity = rule.Contains("private-key", StringComparison.OrdinalIgnoreCase) ? Severity.Critical : Severity.High;
            yield return context.Create("secret", severity, $"Secret in {file}: {leak.Str("Description") ?? rule}", rule,
                new FindingLocation { File = file, Line = line },
                description: commit is null ? null : $"Committed in {commit[..Math.Min(12, commit.Length)]} by {leak.Str("Author")}.",
                remediation: "Revoke the secret, issue a new one, and remove it from the repository's history.");
        }
    }
}
