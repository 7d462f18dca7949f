using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>gitleaks 8.16 (Debian trixie) on a repository cloned inside its own container; JSON report,
/// secrets redacted by gitleaks itself so they are never stored.</summary>
public sealed class GitleaksAdapter : RepositoryScanner
{
    public override string Name => "gitleaks";
    public override string Description => "gitleaks: secrets in every commit of a Git repository.";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("secret_scan"), new("code_security")];

    // The image's entry point clones the URL (one argument, after "--") and runs gitleaks with --redact.
    protected override string ReportPath => "/out/report.json";

    public override async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var leak in ReportReading.JsonArrayElementsAsync(report, context, cancellationToken))
        {
            var rule = leak.Str("RuleID") ?? "unknown";
            var file = leak.Str("File");
            var line = leak.Int("StartLine");
            var commit = leak.Str("Commit");
            var severity = rule.Contains("private-key", StringComparison.OrdinalIgnoreCase) ? Severity.Critical : Severity.High;
            yield return context.Create(FindingCategories.Secret, severity, $"Secret in {file}: {leak.Str("Description") ?? rule}", rule,
                new FindingLocation { File = file, Line = line },
                description: commit is null ? null : $"Committed in {commit[..Math.Min(12, commit.Length)]} by {leak.Str("Author")}.",
                remediation: "Revoke the secret, issue a new one, and remove it from the repository's history.");
        }
    }
}
