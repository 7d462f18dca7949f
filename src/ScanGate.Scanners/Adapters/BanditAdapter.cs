using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>bandit 1.7.10 (Debian trixie): Python security problems in a cloned repository, JSON report
/// (<c>results[]</c>: <c>test_id</c>, <c>issue_severity</c>, <c>issue_confidence</c>, <c>filename</c>,
/// <c>line_number</c>, <c>issue_cwe</c>). Code marked <c># nosec</c> is left out by bandit itself.</summary>
public sealed class BanditAdapter : RepositoryScanner
{
    public override string Name => "bandit";
    public override string Description => "bandit: security problems in Python code (shell injection, eval, weak crypto, …).";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("sast"), new("code_security")];
    protected override string ReportPath => "/out/report.json";

    private static readonly string[] ResultsPath = ["results", "[]"];

    public override async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var match in JsonStreaming.ElementsAtAsync(report, ResultsPath, context, cancellationToken: cancellationToken))
        {
            var issue = match.Item;
            var rule = issue.Str("test_id") ?? "unknown";
            var text = issue.Str("issue_text") ?? issue.Str("test_name") ?? rule;
            var references = new List<string>();
            if (issue.Str("more_info") is { Length: > 0 } info) references.Add(info);
            if (issue.TryGetProperty("issue_cwe", out var cwe) && cwe.Int("id") is { } id and > 0)
            {
                references.Add(Cwe.Of(id));
                if (cwe.Str("link") is { Length: > 0 } link) references.Add(link);
            }
            yield return context.Create(FindingCategories.Sast, Severity(issue.Str("issue_severity"), issue.Str("issue_confidence")),
                $"{rule}: {text}", rule,
                new FindingLocation { File = SourcePaths.Relative(issue.Str("filename"), CloneRoot), Line = issue.Int("line_number") },
                description: $"{text} (bandit test {issue.Str("test_name") ?? rule}, severity {Word(issue.Str("issue_severity"))}, confidence {Word(issue.Str("issue_confidence"))})",
                references: references);
        }
    }

    /// <summary>Bandit's severity, one step lower when bandit itself has low confidence in the finding (a guess
    /// should not fail a gate that a certainty of the same kind would); UNDEFINED is info.</summary>
    public static Severity Severity(string? severity, string? confidence)
    {
        var s = SeverityScale.FromWord(severity);
        return string.Equals(confidence, "LOW", StringComparison.OrdinalIgnoreCase) && s > Contracts.Severity.Low ? s - 1 : s;
    }

    private static string Word(string? value) => string.IsNullOrEmpty(value) ? "undefined" : value.ToLowerInvariant();
}
