using System.Text;
using ScanGate.Scanners;

namespace ScanGate.Tests.Infrastructure;

/// <summary>Report fixtures (tests/ScanGate.Tests/Fixtures, named after the tool and its version) and parsing them.</summary>
public static class Reports
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>Every finding an adapter parses out of a report, and the context with its warnings.</summary>
    public static async Task<(List<Contracts.Finding> Findings, FindingContext Context)> ParseAsync(IContainerScanner adapter, Stream report, string scanId = "scn_TEST")
    {
        var context = new FindingContext(scanId, adapter.Name);
        var list = new List<Contracts.Finding>();
        await foreach (var f in adapter.ParseReportAsync(report, context, CancellationToken.None)) list.Add(f);
        return (list, context);
    }

    public static Task<(List<Contracts.Finding> Findings, FindingContext Context)> ParseAsync(IContainerScanner adapter, string report) =>
        ParseAsync(adapter, new MemoryStream(Encoding.UTF8.GetBytes(report)));
}
