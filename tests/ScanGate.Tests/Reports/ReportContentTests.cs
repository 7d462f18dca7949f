using System.Text;
using System.Text.RegularExpressions;
using ScanGate.Contracts;
using ScanGate.Storage;
using ScanGate.Storage.Reports;

namespace ScanGate.Tests.Reports;

/// <summary>CSV read back as RFC 4180 says, formulas neutralised, HTML that runs nothing and shows hostile text as
/// text, and writers that read the findings a page at a time.</summary>
public sealed class ReportContentTests
{
    private const string ScanId = "scn_01JREPORTCONTENT0000000000";

    private static async Task<string> WriteToStringAsync(ReportKind kind, ReportScope scope, FindingSource findings)
    {
        using var buffer = new MemoryStream();
        await kind.Write(scope, findings, buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task Csv_reads_back_field_for_field_with_formulas_neutralised()
    {
        var findings = ReportSamples.Mixed(ScanId);
        var store = await ReportSamples.StoreWith(ScanId, findings);
        var csv = await WriteToStringAsync(ScanReports.Csv, ReportSamples.Scope(ScanId), FindingSource.Of(store, ScanId));

        Assert.NotEqual('\uFEFF', csv[0]); // no byte order mark before the header
        var rows = ParseCsv(csv);
        Assert.Equal(CsvReport.Columns, rows[0]);
        Assert.Equal(findings.Count, rows.Count - 1);
        Assert.All(rows, r => Assert.Equal(CsvReport.Columns.Count, r.Count));

        var byId = rows.Skip(1).ToDictionary(r => r[0]);
        foreach (var f in findings)
        {
            var expected = CsvReport.RowOf(f).Select(v => v is { Length: > 0 } && "=+-@".Contains(v[0]) ? "'" + v : v ?? "").ToList();
            Assert.Equal(expected, byId[f.Id]);
        }
        var title = CsvReport.Columns.ToList().IndexOf("title");
        Assert.Contains(rows, r => r[title] == "'=HYPERLINK(\"http://evil.invalid\",\"click\")");
        Assert.Contains(rows, r => r[title] == "'+SUM(1,2)");
        Assert.Contains(rows, r => r[title] == "'-2+3 in a package");
        Assert.Contains(rows, r => r[title] == "'@import of a remote stylesheet");
        // No cell a spreadsheet would evaluate.
        Assert.DoesNotContain(rows.SelectMany(r => r), cell => cell.Length > 0 && "=+-@\t\r".Contains(cell[0]));
        Assert.Contains(rows, r => r[CsvReport.Columns.ToList().IndexOf("description")] == "Line one, with a comma\nline \"two\"</td><img src=x onerror=alert(1)>");
        Assert.Contains(rows, r => r[CsvReport.Columns.ToList().IndexOf("cves")] == "CVE-2024-0001;CVE-2024-0002");
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("\tx", "'\tx")]
    [InlineData("-5,1", "\"'-5,1\"")]
    [InlineData("a \"b\"", "\"a \"\"b\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("plain", "plain")]
    [InlineData(null, "")]
    public void Csv_cells_are_quoted_and_neutralised(string? value, string cell) => Assert.Equal(cell, CsvReport.Cell(value));

    [Fact]
    public async Task Html_is_self_contained_runs_nothing_and_encodes_every_value()
    {
        var store = await ReportSamples.StoreWith(ScanId, ReportSamples.Mixed(ScanId));
        var html = await WriteToStringAsync(ScanReports.Html, ReportSamples.Scope(ScanId, "nmap", "gitleaks") with { Target = "<b>target</b>" }, FindingSource.Of(store, ScanId));

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotMatch(new Regex("<script", RegexOptions.IgnoreCase), html);
        // Every tag is the report's own (encoded text has no "<"): none loads anything or handles an event.
        var tags = Regex.Matches(html, "<[a-zA-Z][^>]*>").Select(m => m.Value).ToList();
        Assert.NotEmpty(tags);
        Assert.DoesNotContain(tags, t => Regex.IsMatch(t, @"^<(link|img|iframe|object|embed|base|form|svg)\b", RegexOptions.IgnoreCase));
        Assert.DoesNotContain(tags, t => Regex.IsMatch(t, @"\s(src|href|action|on\w+)\s*=", RegexOptions.IgnoreCase));
        Assert.Contains("Content-Security-Policy", html);
        Assert.Contains("<style>", html);

        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;", html);
        Assert.Contains("&lt;/td&gt;&lt;img src=x onerror=alert(1)&gt;", html);
        Assert.Contains("&lt;b&gt;target&lt;/b&gt;", html);
        Assert.DoesNotContain("<b>target</b>", html);

        Assert.Contains("Verdict: gate failed", html);
        Assert.Contains("1 finding at or above high", html);
        Assert.Contains("<td>1</td><td>2</td><td>1</td><td>1</td><td>2</td><td>7</td>", html); // critical … info, total
        Assert.Equal(ReportSamples.Mixed(ScanId).Count, Regex.Matches(html, "<tr><td><span class=\"sev ").Count);
        Assert.Contains($"{ReportSamples.Mixed(ScanId).Count} findings shown.", html);
    }

    [Fact]
    public async Task Every_writer_reads_the_findings_a_page_at_a_time()
    {
        var many = Enumerable.Range(0, 1234).Select(i => ReportSamples.Finding(ScanId, i % 2 == 0 ? "nmap" : "cdxgen",
            i % 2 == 0 ? FindingCategories.Network : FindingCategories.SbomComponent, (Severity)(i % 5), $"finding {i}",
            new() { Host = "127.0.0.1", Port = i, Package = $"pkg{i}", Version = "1.0.0", File = "package-lock.json" }, rule: $"rule-{i % 7}")).ToList();
        var store = await ReportSamples.StoreWith(ScanId, many);
        var limits = new List<int>();
        var source = new FindingSource(async (query, ct) =>
        {
            lock (limits) limits.Add(query.Limit);
            return await store.ListAsync(ScanId, query, ct);
        }, pageSize: 100);

        foreach (var kind in ScanReports.All)
        {
            limits.Clear();
            var text = await WriteToStringAsync(kind, ReportSamples.Scope(ScanId, "nmap", "cdxgen"), source);
            Assert.True(limits.Count >= 7, $"{kind.Word} read {limits.Count} pages");
            Assert.All(limits, l => Assert.InRange(l, 1, 100));
            Assert.True(text.Contains("finding 1233") || text.Contains("pkg1233"), $"{kind.Word} lacks the last finding");
        }
    }

    [Fact]
    public async Task Exports_take_the_filters_of_the_findings_list()
    {
        var store = await ReportSamples.StoreWith(ScanId, ReportSamples.Mixed(ScanId));
        var csv = await WriteToStringAsync(ScanReports.Csv, ReportSamples.Scope(ScanId),
            FindingSource.Of(store, ScanId, new FindingQuery { MinSeverity = Severity.High, Limit = 3, Cursor = "ignored" }));
        var rows = ParseCsv(csv);
        Assert.Equal(3, rows.Count - 1); // the critical and the two high, whatever limit and cursor said
        Assert.All(rows.Skip(1), r => Assert.Contains(r[1], new[] { "critical", "high" }));

        var html = await WriteToStringAsync(ScanReports.Html, ReportSamples.Scope(ScanId), FindingSource.Of(store, ScanId, new FindingQuery { Scanner = "nmap" }));
        Assert.Contains("scanner nmap", html);
        Assert.Contains("2 findings shown.", html);
    }

    [Fact]
    public async Task Keeping_reports_leaves_out_one_that_fails_and_keeps_the_rest()
    {
        var store = await ReportSamples.StoreWith(ScanId, [.. ReportSamples.Mixed(ScanId), .. ReportSamples.Sbom(ScanId)]);
        var artifacts = new RefusingStore("report.html");
        var failures = await ScanReports.KeepAsync(artifacts, FindingSource.Of(store, ScanId), ReportSamples.Scope(ScanId, "nmap"));

        var failed = Assert.Single(failures);
        Assert.Equal("report.html", failed.Name);
        Assert.IsType<IOException>(failed.Error);
        var kept = (await artifacts.ListAsync(ScanId)).ToDictionary(a => a.Name);
        Assert.Equal(["findings.csv", "report.sarif", "sbom.cdx.json", "sbom.spdx.json"], kept.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ArtifactType.Cyclonedx, kept["sbom.cdx.json"].Type);
        Assert.Equal("application/spdx+json", kept["sbom.spdx.json"].MediaType);

        // A scan whose findings cannot be read keeps nothing, and says so for each report instead of throwing.
        var unreadable = new FindingSource((_, _) => throw new InvalidOperationException("the database is down"));
        var none = await ScanReports.KeepAsync(new InMemoryArtifactStore(), unreadable, ReportSamples.Scope(ScanId, "nmap"));
        Assert.Equal(["sbom", "report.sarif", "findings.csv", "report.html"], none.Select(f => f.Name));
    }

    /// <summary>An artifact store that refuses one name, as a full disk or a lost database would.</summary>
    private sealed class RefusingStore(string refused) : IArtifactStore
    {
        private readonly InMemoryArtifactStore _inner = new();
        public Task<ArtifactInfo> PutAsync(string scanId, ArtifactDescriptor artifact, Stream content, CancellationToken cancellationToken = default) =>
            artifact.Name == refused ? throw new IOException("no space left") : _inner.PutAsync(scanId, artifact, content, cancellationToken);
        public Task<IReadOnlyList<ArtifactInfo>> ListAsync(string scanId, CancellationToken cancellationToken = default) => _inner.ListAsync(scanId, cancellationToken);
        public Task<ArtifactContent?> OpenAsync(string scanId, string name, CancellationToken cancellationToken = default) => _inner.OpenAsync(scanId, name, cancellationToken);
        public Task DeleteScanAsync(string scanId, CancellationToken cancellationToken = default) => _inner.DeleteScanAsync(scanId, cancellationToken);
    }

    /// <summary>An RFC 4180 reader: fields separated by commas, records by CRLF, quoted fields with doubled quotes
    /// and line breaks inside.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i++;
            }
            else
            {
                Assert.NotEqual('"', c); // a quote inside an unquoted field is not RFC 4180
                Assert.NotEqual('\n', c); // nor a bare line feed
                field.Append(c);
            }
        }
        Assert.False(quoted, "the file ends inside a quoted field");
        Assert.Equal(0, field.Length + row.Count); // the last record ends with CRLF
        return rows;
    }
}
