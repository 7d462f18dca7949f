using System.Text;
using ScanGate.Contracts;
using ScanGate.Scanners;

namespace ScanGate.Tests.Scanners.ImageReports;

/// <summary>Parses fixtures of the image and SBOM tools (tests/ScanGate.Tests/Fixtures, named tool-version-what), and
/// the checks every one of their parsers passes: stable fingerprints, and a cut-off report that keeps its complete
/// entries and says it was cut.</summary>
internal static class ImageReportHarness
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static async Task<(List<Finding> Findings, FindingContext Context)> ParseAsync(IContainerScanner adapter, Stream report, string scanId = "scn_TEST")
    {
        var context = new FindingContext(scanId, adapter.Name);
        var list = new List<Finding>();
        await foreach (var f in adapter.ParseReportAsync(report, context, CancellationToken.None)) list.Add(f);
        return (list, context);
    }

    public static async Task<(List<Finding> Findings, FindingContext Context)> ParseFixtureAsync(IContainerScanner adapter, string fixture, string scanId = "scn_TEST")
    {
        await using var file = File.OpenRead(Fixture(fixture));
        return await ParseAsync(adapter, file, scanId);
    }

    /// <summary>Two scans of the same report give the same fingerprints (and new ids), and no two findings of one
    /// report share a fingerprint.</summary>
    public static async Task AssertStableAndDistinctFingerprintsAsync(IContainerScanner adapter, string fixture)
    {
        var (first, _) = await ParseFixtureAsync(adapter, fixture, "scn_FIRST");
        var (second, _) = await ParseFixtureAsync(adapter, fixture, "scn_SECOND");
        Assert.NotEmpty(first);
        Assert.Equal(first.Select(f => f.Fingerprint), second.Select(f => f.Fingerprint));
        Assert.Empty(first.Select(f => f.Id).Intersect(second.Select(f => f.Id)));
        Assert.Equal(first.Count, first.Select(f => f.Fingerprint).Distinct().Count());
    }

    /// <summary>The report cut just before <paramref name="cutBefore"/> (a stopped run): the parser yields the
    /// entries complete before the cut, none after, and warns.</summary>
    public static async Task<List<Finding>> ParseCutAsync(IContainerScanner adapter, string fixture, string cutBefore)
    {
        var text = await File.ReadAllTextAsync(Fixture(fixture));
        var at = text.IndexOf(cutBefore, StringComparison.Ordinal);
        Assert.True(at > 0, $"'{cutBefore}' is not in {fixture}");
        var (findings, context) = await ParseAsync(adapter, new MemoryStream(Encoding.UTF8.GetBytes(text[..at])));
        Assert.Contains(context.Warnings, w => w.Contains("incomplete", StringComparison.Ordinal));
        return findings;
    }
}
