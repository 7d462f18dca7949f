using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ScanGate.Contracts;
using ScanGate.Scanners;
using ScanGate.Scanners.Adapters;

namespace ScanGate.Benchmarks;

/// <summary>
/// Report parsing speed (MB/s and findings/s) of trivy JSON, nuclei JSONL and SARIF, and the most memory
/// parsing a 50 MB report holds live. Reports are generated from the test fixtures' entries (each copy with its
/// own ids, so nothing merges), written to a temporary file and parsed from it as the run grain does.
/// </summary>
public static class ParseThroughput
{
    private sealed record Format(string Name, string Fixture, Func<string, (string Head, string Element, string Separator, string Tail)> Split,
        Func<string, int, string> Vary, Func<Stream, FindingContext, IAsyncEnumerable<Finding>> Parse);

    public static async Task RunAsync(int megabytes)
    {
        var fixtures = FixturesDirectory();
        // Each copy of an entry gets ids of its own, so the figures are those of distinct findings.
        var formats = new List<Format>
        {
            new("trivy JSON", "trivy-0.58-image.json", TrivySplit, (e, i) => e.Replace("CVE-2024-45490", $"CVE-2024-{100000 + i}").Replace("libexpat1", $"libexpat1-{i % 5000}"),
                (s, c) => new TrivyAdapter().ParseReportAsync(s, c, CancellationToken.None)),
            new("nuclei JSONL", "nuclei-3.3.jsonl", NucleiSplit, (e, i) => e.Replace("CVE-2021-41773", $"CVE-2021-{100000 + i}").Replace("/etc/passwd", $"/etc/passwd{i}"),
                (s, c) => new NucleiAdapter().ParseReportAsync(s, c, CancellationToken.None)),
            new("SARIF", "eslint-9.39.sarif", SarifSplit, (e, i) => e.Replace("\"startLine\": 2", $"\"startLine\": {2 + i % 100_000}").Replace("patterns.js", $"patterns{i / 100_000}.js"),
                (s, c) => ScanGate.Scanners.Sarif.SarifImporter.ReadAsync(s, c, FindingCategories.Sast, CancellationToken.None)),
        };

        Console.WriteLine($"report parsing: {megabytes} MB generated reports, parsed from a temporary file");
        foreach (var format in formats)
        {
            var path = await GenerateAsync(format, Path.Combine(fixtures, format.Fixture), megabytes * 1024L * 1024);
            try
            {
                var size = new FileInfo(path).Length;
                await ParseOnceAsync(format, path, sampleMemory: false); // warm-up (JIT)
                var sw = Stopwatch.StartNew();
                var (findings, _) = await ParseOnceAsync(format, path, sampleMemory: false);
                sw.Stop();
                var (_, peak) = await ParseOnceAsync(format, path, sampleMemory: true);
                Console.WriteLine($"  {format.Name,-13} {size / 1048576.0,6:F1} MB, {findings,8} findings: {size / 1048576.0 / sw.Elapsed.TotalSeconds,7:F1} MB/s, " +
                    $"{findings / sw.Elapsed.TotalSeconds,9:F0} findings/s, live managed memory at most {peak / 1048576.0:F1} MiB above the start");
            }
            finally { File.Delete(path); }
        }
        Console.WriteLine($"  process peak resident set (all formats, runtime included): {PeakResidentMiB():F0} MiB");
    }

    private static async Task<(long Findings, long PeakBytes)> ParseOnceAsync(Format format, string path, bool sampleMemory)
    {
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = 0L;
        long findings = 0;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        await foreach (var _ in format.Parse(file, new FindingContext("scn_bench", "bench")))
        {
            findings++;
            if (sampleMemory && findings % 20_000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        return (findings, peak);
    }

    private static async Task<string> GenerateAsync(Format format, string fixture, long bytes)
    {
        var (head, element, separator, tail) = format.Split(await File.ReadAllTextAsync(fixture));
        var path = Path.GetTempFileName();
        await using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        await writer.WriteAsync(head);
        long written = head.Length;
        for (var i = 0; written < bytes; i++)
        {
            if (i > 0) await writer.WriteAsync(separator);
            var e = format.Vary(element, i);
            await writer.WriteAsync(e);
            written += e.Length + separator.Length;
        }
        await writer.WriteAsync(tail);
        return path;
    }

    /// <summary>The report around its first vulnerability, and that vulnerability.</summary>
    private static (string, string, string, string) TrivySplit(string report)
    {
        using var doc = JsonDocument.Parse(report);
        var result = doc.RootElement.GetProperty("Results")[0];
        var head = $"{{\"SchemaVersion\":2,\"ArtifactName\":{doc.RootElement.GetProperty("ArtifactName").GetRawText()},\"ArtifactType\":\"container_image\",\"Results\":[{{\"Target\":{result.GetProperty("Target").GetRawText()},\"Class\":\"os-pkgs\",\"Type\":\"debian\",\"Vulnerabilities\":[";
        return (head, result.GetProperty("Vulnerabilities")[0].GetRawText(), ",", "]}]}");
    }

    private static (string, string, string, string) NucleiSplit(string report) => ("", report.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0], "\n", "\n");

    /// <summary>The SARIF log around its first result (eslint's, as the code scanners' tests have it), and that result.</summary>
    private static (string, string, string, string) SarifSplit(string log)
    {
        using var doc = JsonDocument.Parse(log);
        var run = doc.RootElement.GetProperty("runs")[0];
        var head = $"{{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{{\"tool\":{run.GetProperty("tool").GetRawText()},\"results\":[";
        return (head, run.GetProperty("results")[0].GetRawText(), ",", "]}]}");
    }

    private static double PeakResidentMiB()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return double.NaN;
    }

    private static string FixturesDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ScanGate.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("run from the repository"), "tests", "ScanGate.Tests", "Fixtures");
    }
}
