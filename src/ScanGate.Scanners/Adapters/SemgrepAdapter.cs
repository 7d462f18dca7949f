using System.Runtime.CompilerServices;
using System.Text.Json;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// Semgrep 1.99 (PyPI, so its image is built only where the internet is reachable) with the registry's
/// <c>p/default</c> rules fetched when the image is built, JSON report: <c>results[]</c> with <c>check_id</c>,
/// <c>path</c>, <c>start.line</c>, <c>extra.severity</c> (ERROR, WARNING, INFO; newer rules CRITICAL, HIGH,
/// MEDIUM, LOW), <c>extra.message</c>, <c>extra.metadata</c> (<c>cwe</c>, <c>owasp</c>, <c>references</c>,
/// <c>source</c>) and <c>extra.is_ignored</c> (a <c>nosemgrep</c> comment: left out). The matched
/// lines (<c>extra.lines</c>) are not kept.
/// </summary>
public sealed class SemgrepAdapter : RepositoryScanner
{
    public override string Name => "semgrep";
    public override string Description => "Semgrep: security problems in many languages, with the registry's default rules (image built where PyPI is reachable).";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("sast", ByDefault: false), new("code_security", ByDefault: false)];
    protected override string ReportPath => "/out/report.json";
    protected override long MemoryBytes => 2048L * 1024 * 1024;

    private static readonly string[] ResultsPath = ["results", "[]"];

    public override async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var match in JsonStreaming.ElementsAtAsync(report, ResultsPath, context, cancellationToken: cancellationToken))
        {
            var result = match.Item;
            var extra = result.TryGetProperty("extra", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
            if (extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("is_ignored", out var ignored) && ignored.ValueKind == JsonValueKind.True)
                continue;
            var rule = result.Str("check_id") ?? "unknown";
            var message = extra.Str("message");
            var metadata = extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("metadata", out var m) ? m : default;
            yield return context.Create(FindingCategories.Sast, Severity(extra.Str("severity")),
                FindingText.Headline(string.IsNullOrWhiteSpace(message) ? rule : message), rule,
                new FindingLocation
                {
                    File = SourcePaths.Relative(result.Str("path"), CloneRoot),
                    Line = result.TryGetProperty("start", out var start) ? start.Int("line") : null,
                },
                description: message,
                remediation: extra.Str("fix") is { Length: > 0 } fix ? $"Suggested change: {fix}" : null,
                references: References(metadata));
        }
    }

    /// <summary>Semgrep's words: ERROR high, WARNING medium, INFO low (an INFO rule still flags a problem);
    /// the newer CRITICAL/HIGH/MEDIUM/LOW as they say.</summary>
    public static Severity Severity(string? word) =>
        string.Equals(word, "INFO", StringComparison.OrdinalIgnoreCase) ? Contracts.Severity.Low : SeverityScale.FromWord(word);

    private static List<string> References(JsonElement metadata)
    {
        var refs = new List<string>();
        if (metadata.ValueKind != JsonValueKind.Object) return refs;
        foreach (var name in new[] { "source", "references", "cwe", "owasp" })
        {
            if (!metadata.TryGetProperty(name, out var value)) continue;
            var texts = value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
                : value.ValueKind == JsonValueKind.String ? [value.GetString()!] : [];
            foreach (var text in texts)
            {
                var items = name == "cwe" ? Cwe.Ids(text) : [text.Trim()];
                foreach (var item in items)
                    if (item.Length > 0 && !refs.Contains(item)) refs.Add(item);
            }
        }
        return refs;
    }
}
