using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// YARA 4.5 (Debian trixie) with ScanGate's own rule pack (deploy/scanners/yara/rules: web shells, obfuscated
/// droppers and reverse shells, crypto-miners, malicious npm install scripts), compiled into the image. The report
/// is YARA's text output with metadata (<c>-m</c>): one line per rule and file,
/// <c>rule_name [description="…",severity="…",category="…",version="…"] /work/repo/path</c>. Each line is a finding
/// at its file, with the rule's severity and description.
/// </summary>
public sealed partial class YaraAdapter : RepositoryScanner
{
    public override string Name => "yara";
    public override string Description => "YARA with ScanGate's rule pack: web shells, obfuscated droppers, crypto-miners and malicious npm install scripts.";
    public override IReadOnlyList<ScannerUse> Uses { get; } = [new("malware_scan"), new("code_security", ByDefault: false)];
    protected override string ReportPath => "/out/report.txt";
    protected override long MemoryBytes => 512L * 1024 * 1024;

    public override async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(report, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (Match().Match(line) is not { Success: true } m)
            {
                if (line.Trim().Length > 0) context.Warn($"not a YARA match line: {Cap(line, 200)}");
                continue;
            }
            var rule = m.Groups["rule"].Value;
            var meta = Meta(m.Groups["meta"].Value);
            var description = meta.GetValueOrDefault("description") ?? rule;
            var file = SourcePaths.Relative(m.Groups["path"].Value, CloneRoot);
            yield return context.Create(FindingCategories.Malware, SeverityScale.FromWord(meta.GetValueOrDefault("severity") ?? "high"),
                $"{description} ({file})", rule,
                new FindingLocation { File = file },
                description: $"The YARA rule {rule} (ScanGate rule pack, version {meta.GetValueOrDefault("version") ?? "?"}) matched {file}: {description}.",
                remediation: "Inspect the file: remove it if it is not yours, and find out how it got into the repository.");
        }
    }

    /// <summary>YARA's metadata list: name="text" (quotes inside escaped as \"), name=number or name=true, by commas.</summary>
    private static Dictionary<string, string> Meta(string text) =>
        MetaItem().Matches(text).ToDictionary(i => i.Groups[1].Value,
            i => i.Groups[2].Success ? i.Groups[2].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\'", "'", StringComparison.Ordinal) : i.Groups[3].Value,
            StringComparer.Ordinal);

    private static string Cap(string text, int max) => text.Length <= max ? text : text[..max] + " …";

    [GeneratedRegex(@"^(?<rule>[A-Za-z_][A-Za-z0-9_]*) \[(?<meta>.*)\] (?<path>/.+)$")]
    private static partial Regex Match();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(?:""((?:[^""\\]|\\.)*)""|([^,\]]+))")]
    private static partial Regex MetaItem();
}
