using System.Runtime.CompilerServices;
using ScanGate.Contracts;

namespace ScanGate.Scanners.Adapters;

/// <summary>
/// dive 0.12 (the vendor's release; see deploy/scanners/dive) in CI mode: how much of an image is wasted space
/// (files written in one layer and overwritten or deleted in a later one). The image's entry point fetches the image
/// from its registry as an archive with skopeo (dive reads no registry itself), writes "image: &lt;reference&gt;" and
/// then dive's CI output to the report. Dive's rules, each a line "  PASS: rule" or "  FAIL: rule: why" (coloured),
/// are <c>lowestEfficiency</c>, <c>highestWastedBytes</c> and <c>highestUserWastedPercent</c>; each FAIL is a low
/// <c>misconfiguration</c> finding (waste is a cost, not an exposure), PASS and SKIP are not findings, and WARN or
/// MISCONFIGURED (a bad threshold) are warnings about the run. A report without dive's closing "Result:" line was cut
/// off and says so.
/// </summary>
public sealed class DiveAdapter : IContainerScanner
{
    public string Name => "dive";
    public string Description => "dive: wasted space and layer efficiency of a container image (on request).";
    public TargetKind TargetKind => TargetKind.ContainerImage;
    public IReadOnlyList<ScannerUse> Uses { get; } = [new("container_image", ByDefault: false)];
    public string DefaultImage => "scangate/dive:latest";

    private const string ReportPath = "/out/report.txt";

    private static readonly Dictionary<string, (string Title, string Remediation)> Rules = new(StringComparer.Ordinal)
    {
        ["lowestEfficiency"] = ("Image efficiency is below the threshold",
            "Remove files in the same layer that creates them (one RUN that downloads, uses and deletes), and use a multi-stage build."),
        ["highestWastedBytes"] = ("Image wastes more bytes than allowed",
            "Do not copy or create files that a later layer overwrites or deletes; clean package caches in the layer that fills them."),
        ["highestUserWastedPercent"] = ("Too much of what the image's own layers add is wasted",
            "Combine the steps that add and remove the same files into one layer, or build in a separate stage and copy only the result."),
    };

    // The entry point: scan-image <image> <dive options…>. Thresholds are dive's defaults, with the byte limit on.
    public ContainerPlan Plan(RunSpec spec) => ImageScanning.Plan(
        [spec.Target, "--lowestEfficiency", "0.9", "--highestWastedBytes", "20MB", "--highestUserWastedPercent", "0.1"],
        ReportPath, successExitCodes: [0, 1]);

    public IProgressParser NewProgressParser(RunSpec spec) => new KeywordProgress(
        ("phase: fetching", "fetching the image", 10),
        ("Analyzing image", "analysing layers", 60),
        ("phase: scanning", "analysing layers", 50),
        ("Results:", "evaluating rules", 90),
        ("phase: done", "done", 99));

    public async IAsyncEnumerable<Finding> ParseReportAsync(Stream report, FindingContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(report);
        string? image = null, efficiency = null, wasted = null, userWasted = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var finished = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } raw)
        {
            var line = ImageScanning.StripAnsi(raw).Trim();
            if (line.StartsWith("Result:", StringComparison.Ordinal)) { finished = true; continue; }
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var (head, rest) = (line[..colon], line[(colon + 1)..].Trim());
            switch (head)
            {
                case "image": image ??= rest; continue;
                case "efficiency": efficiency = rest; continue;
                case "wastedBytes": wasted = rest; continue;
                case "userWastedPercent": userWasted = rest; continue;
                case "FAIL" or "WARN" or "MISCONFIGURED":
                    break;
                default: continue;
            }
            var ruleColon = rest.IndexOf(':');
            var rule = (ruleColon < 0 ? rest : rest[..ruleColon]).Trim();
            var why = ruleColon < 0 ? null : rest[(ruleColon + 1)..].Trim();
            // A rule dive does not have is a line cut off mid-way (a stopped run) or a newer dive: said, not guessed at.
            if (head != "FAIL" || !Rules.TryGetValue(rule, out var known)) { context.Warn($"dive rule {rule}: {head} {why}".Trim()); continue; }
            if (!seen.Add(rule)) continue;
            var (title, remediation) = known;
            var measured = string.Join(", ", new[]
            {
                efficiency is null ? null : $"efficiency {efficiency}",
                wasted is null ? null : $"wasted {wasted}",
                userWasted is null ? null : $"user-wasted {userWasted}",
            }.OfType<string>());
            yield return context.Create(FindingCategories.Misconfiguration, Severity.Low, title, $"dive:{rule}",
                new FindingLocation { Image = image },
                description: string.Join(" ", new[] { why is null ? null : $"dive: {why}.", measured.Length == 0 ? null : $"Measured: {measured}." }.OfType<string>()),
                remediation: remediation);
        }
        if (!finished) context.Warn("report ended before dive's result line: it is incomplete");
    }
}
